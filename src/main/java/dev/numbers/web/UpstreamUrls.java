package dev.numbers.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The upstream URLs named by one request's {@code u} parameters: validated, de-duplicated, in request order.
 *
 * <p>A {@code u} is valid when it is an absolute {@code http} or {@code https} URL with a (server-based) host and,
 * if it names a port, a port in 1–65535. Invalid values are skipped, not an error (docs/contract.md). Identical values are
 * fetched once; identity is the value's exact text after the container's percent-decoding, so a URL's own query
 * string stays as the caller wrote it.
 *
 * @param urls    the distinct valid URLs, in the order they first appeared
 * @param skipped how many {@code u} values were invalid
 */
record UpstreamUrls(List<URI> urls, int skipped) {

    UpstreamUrls {
        urls = List.copyOf(urls);
    }

    /**
     * Validates and de-duplicates the raw {@code u} values.
     *
     * @param values  the request's {@code u} values, possibly {@code null} when there is none
     * @param maxUrls how many distinct valid URLs are accepted
     * @return the selection
     * @throws TooManyUrlsException as soon as more than {@code maxUrls} distinct valid URLs have been seen
     */
    static UpstreamUrls select(String[] values, int maxUrls) {
        if (values == null || values.length == 0) {
            return new UpstreamUrls(List.of(), 0);
        }
        Set<String> seen = new LinkedHashSet<>();
        List<URI> urls = new ArrayList<>();
        int skipped = 0;
        for (String value : values) {
            if (seen.contains(value)) {
                continue;
            }
            URI uri = parse(value);
            if (uri == null) {
                skipped++;
                continue;
            }
            seen.add(value);
            urls.add(uri);
            if (urls.size() > maxUrls) {
                throw new TooManyUrlsException(maxUrls);
            }
        }
        return new UpstreamUrls(urls, skipped);
    }

    /**
     * The values {@link #select} skips, for {@code /explain}; not on {@code /numbers}' path.
     *
     * @param values the request's {@code u} values, possibly {@code null}
     * @return the invalid values, each once, in the order they first appeared
     */
    static List<String> invalid(String[] values) {
        if (values == null) {
            return List.of();
        }
        Set<String> invalid = new LinkedHashSet<>();
        for (String value : values) {
            if (parse(value) == null) {
                invalid.add(value);
            }
        }
        return List.copyOf(invalid);
    }

    /**
     * Parses one value.
     *
     * @param value a raw {@code u} value
     * @return the URL, or {@code null} when the value is not a valid upstream URL
     */
    static URI parse(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = uri.getScheme();
        if (scheme == null || uri.isOpaque()) {
            return null;
        }
        String lower = scheme.toLowerCase(Locale.ROOT);
        if (!lower.equals("http") && !lower.equals("https")) {
            return null;
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            return null;
        }
        int port = uri.getPort();
        if (port == -1 && uri.getRawAuthority().endsWith(":")) {
            return null; // "http://h:/" names an empty port
        }
        if (port != -1 && (port < 1 || port > 65535)) {
            return null;
        }
        return uri;
    }

    /** Thrown when a request names more distinct valid URLs than the configured limit. */
    static final class TooManyUrlsException extends RuntimeException {

        private static final long serialVersionUID = 1L;
        private final int limit;

        TooManyUrlsException(int limit) {
            super("More than " + limit + " distinct valid URLs", null, false, false);
            this.limit = limit;
        }

        /** @return the configured limit that was exceeded */
        int limit() {
            return limit;
        }
    }
}
