package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamUrlsTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://h/", "https://h:8443/x?y=1", "HTTP://H:1/", "http://h:65535", "http://[::1]:8080/p",
            "http://user@h/p", "http://127.0.0.1/x#frag", "http://h/a%20b"})
    void acceptsAbsoluteHttpUrlsWithAHost(String value) {
        assertNotNull(UpstreamUrls.parse(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not-a-url", "ftp://x/y", "/relative", "http://", "http:///x", "javascript:alert(1)",
            "http:opaque", "http://h:0/", "http://h:65536/", "http://h:/x", "file:///etc/passwd", "http://h a/",
            "mailto:a@b", "//h/x", "http://[::1/x", "http://under_score/"})
    void skipsEverythingElse(String value) {
        assertNull(UpstreamUrls.parse(value));
    }

    @Test
    void keepsRequestOrderAndDropsDuplicatesAndInvalidValues() {
        UpstreamUrls selection = UpstreamUrls.select(
                new String[] {"http://b/", "junk", "http://a/?x=1&y=2", "http://b/", "ftp://c"}, 5);
        assertEquals(List.of(URI.create("http://b/"), URI.create("http://a/?x=1&y=2")), selection.urls());
        assertEquals(2, selection.skipped());
    }

    @Test
    void refusesMoreDistinctValidUrlsThanTheLimit() {
        UpstreamUrls.TooManyUrlsException e = assertThrows(UpstreamUrls.TooManyUrlsException.class,
                () -> UpstreamUrls.select(new String[] {"http://a/", "http://b/", "http://c/"}, 2));
        assertEquals(2, e.limit());
        assertEquals(2, UpstreamUrls.select(new String[] {"http://a/", "http://a/", "x", "http://b/"}, 2).urls().size());
    }

    @Test
    void treatsNoParameterAsNoUrl() {
        assertEquals(List.of(), UpstreamUrls.select(null, 3).urls());
    }
}
