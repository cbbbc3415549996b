package dev.numbers.upstream.policy;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Signals that the {@link AddressPolicy} refused every address of an upstream host, or that the host
 * was spelled so ambiguously (a non-canonical IPv4 literal such as {@code 0177.0.0.1}) that it must
 * not reach the network at all.
 *
 * <p>It is an {@link IOException} so that the HTTP client reports it like any other connect failure;
 * callers can still tell it apart with {@code instanceof}. The message names the host (with control
 * and non-ASCII characters escaped, and truncated) and the refused addresses, so it is safe to log.
 */
public final class AddressRefusedException extends IOException {

    private static final long serialVersionUID = 1L;
    private static final int MAX_HOST_CHARS = 255;

    /** The host as requested, unescaped. */
    private final String host;
    /** The refused addresses; empty when refused without resolution. */
    private final List<InetAddress> addresses;

    private AddressRefusedException(String host, List<InetAddress> addresses, String message) {
        super(message);
        this.host = host;
        this.addresses = List.copyOf(addresses);
    }

    /**
     * Creates the exception for a host whose resolved addresses were all refused.
     *
     * @param host      the host as the client asked for it
     * @param addresses the refused addresses, possibly empty (e.g. unresolved results)
     * @return the exception
     */
    static AddressRefusedException refused(String host, List<InetAddress> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        String list = addresses.isEmpty()
                ? "no usable address"
                : addresses.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
        return new AddressRefusedException(host, addresses,
                "Address policy refused host '" + printable(host) + "' (" + list + ")");
    }

    /**
     * Creates the exception for a host that looks like an IPv4 literal but is not spelled as four
     * canonical decimal octets, so that resolvers and URL parsers disagree on what it means.
     *
     * @param host the host as the client asked for it
     * @return the exception
     */
    static AddressRefusedException ambiguous(String host) {
        return new AddressRefusedException(host, List.of(),
                "Address policy refused host '" + printable(host) + "' (not a canonical IP address literal)");
    }

    /**
     * The host whose connection was refused, exactly as requested (not escaped).
     *
     * @return the host
     */
    String host() {
        return host;
    }

    /**
     * The addresses the policy refused; empty when the host was refused without resolution.
     *
     * @return the refused addresses
     */
    List<InetAddress> addresses() {
        return addresses;
    }

    /**
     * A refusal is an expected outcome, thrown from a single place, and possibly provoked at volume
     * by hostile callers: the stack trace carries no information, so it is not captured.
     */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    private static String printable(String host) {
        if (host == null) {
            return "<none>";
        }
        StringBuilder out = new StringBuilder(Math.min(host.length(), MAX_HOST_CHARS) + 8);
        for (int i = 0; i < host.length(); i++) {
            if (i == MAX_HOST_CHARS) {
                out.append("...");
                break;
            }
            char c = host.charAt(i);
            // Hosts come from callers: keep log lines single-line and unambiguous.
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }
}
