package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code Host} header the service sends each upstream, which Jetty would otherwise derive by re-parsing the URI. */
class UpstreamFetchHostFieldTest {

    @ParameterizedTest
    @CsvSource({
            "http://example.com/a?b=c,       example.com",
            "http://example.com:80/a,        example.com",
            "HTTP://example.com:80/a,        example.com",
            "https://example.com:443/a,      example.com",
            "http://example.com:443/a,       example.com:443",
            "https://example.com:8443/a,     example.com:8443",
            "http://user:pw@example.com:81/, example.com:81",
            "http://[::1]:8080/a,            [::1]:8080",
            "http://[::1]/a,                 [::1]",
            "http://127.0.0.1:28090/set/1,   127.0.0.1:28090",
    })
    void isTheHostAndTheNonDefaultPort(String url, String expected) {
        var field = UpstreamFetch.hostField(URI.create(url));
        assertEquals(HttpHeader.HOST, field.getHeader());
        assertEquals(expected, field.getValue());
    }
}
