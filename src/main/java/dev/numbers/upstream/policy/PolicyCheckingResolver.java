package dev.numbers.upstream.policy;

import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * A {@link SocketAddressResolver} that enforces an {@link AddressPolicy} on the addresses the HTTP
 * client is about to connect to.
 *
 * <p>Jetty's {@code HttpClient} asks its resolver for the addresses of every new connection, including
 * the connection of each redirect hop, and then connects to exactly the addresses it is given. Checking
 * here therefore judges the address actually connected to, after DNS, with no window for a second
 * lookup to answer differently (DNS rebinding).
 *
 * <ul>
 *   <li>IP literals are judged without DNS. A host that looks like an IPv4 literal (its last label is a
 *   number, as in the WHATWG URL standard) must be four canonical decimal octets: spellings such as
 *   {@code 127.1}, {@code 2130706433}, {@code 0x7f000001} or {@code 0177.0.0.1} are refused outright,
 *   because parsers disagree about them (Java reads {@code 0177.0.0.1} as 177.0.0.1, curl and
 *   {@code inet_aton} as 127.0.0.1) and ambiguity must not reach the network.</li>
 *   <li>Other hosts are resolved by the delegate; only permitted addresses are kept, in the delegate's
 *   order. If none remains the promise fails with {@link AddressRefusedException}; a failure of the
 *   delegate itself is passed on unchanged.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe if the delegate is.
 */
public final class PolicyCheckingResolver implements SocketAddressResolver {

    private static final System.Logger LOG = System.getLogger(PolicyCheckingResolver.class.getName());

    /** Four decimal octets 0-255 without leading zeros: the only IPv4 spelling every parser agrees on. */
    private static final Pattern CANONICAL_IPV4 = Pattern.compile(
            "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    /** A label that an IPv4 parser would read as a number (decimal, octal or hex). */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");

    /** RFC 4291 IPv6 text, optionally with a zone and a canonical dotted-quad tail; nothing looser. */
    private static final IPAddressStringParameters STRICT_IPV6_LITERAL = strictIPv6LiteralSyntax();

    private final AddressPolicy policy;
    private final SocketAddressResolver delegate;

    private PolicyCheckingResolver(AddressPolicy policy, SocketAddressResolver delegate) {
        this.policy = policy;
        this.delegate = delegate;
    }

    /**
     * Wraps a resolver so that only addresses the policy permits reach the HTTP client.
     *
     * @param policy   the address policy
     * @param delegate the resolver for host names ({@code BoundedNameResolver} in the service)
     * @return the checking resolver
     */
    public static PolicyCheckingResolver of(AddressPolicy policy, SocketAddressResolver delegate) {
        return new PolicyCheckingResolver(Objects.requireNonNull(policy, "policy"),
                Objects.requireNonNull(delegate, "delegate"));
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        if (host == null || host.isEmpty()) {
            promise.failed(new UnknownHostException("No host"));
            return;
        }
        if (looksLikeIPv6(host)) {
            resolveIPv6Literal(host, port, promise);
        } else if (looksLikeIPv4(host)) {
            resolveIPv4Literal(host, port, promise);
        } else {
            delegate.resolve(host, port, context, new Filter(host, promise));
        }
    }

    /**
     * Judges a host that is, or claims to be, an IP literal, as {@link #resolve} would, without the HTTP client: a
     * refused literal then costs no destination (callers choose the origins, and the client keeps state per origin).
     *
     * @param host a URI's host, IPv6 literals in brackets
     * @return the refusal, or {@code null} when the host is a name to resolve or a permitted literal
     */
    public AddressRefusedException refusalOfLiteral(String host) {
        if (host == null || host.isEmpty() || !(looksLikeIPv6(host) || looksLikeIPv4(host))) {
            return null;
        }
        // Literals are judged synchronously, so the promise has completed when resolve returns.
        AddressRefusedException[] refusal = new AddressRefusedException[1];
        resolve(host, 0, Map.of(), Promise.from(addresses -> { }, failure -> {
            if (failure instanceof AddressRefusedException refused) {
                refusal[0] = refused;
            }
        }));
        return refusal[0];
    }

    @Override
    public String toString() {
        return "PolicyCheckingResolver[" + policy + ", delegate=" + delegate + "]";
    }

    private void resolveIPv4Literal(String host, int port, Promise<List<InetSocketAddress>> promise) {
        if (!CANONICAL_IPV4.matcher(host).matches()) {
            refuse(AddressRefusedException.ambiguous(host), promise);
            return;
        }
        try {
            // A canonical dotted quad is parsed as a literal by the JDK: no DNS query is made.
            judgeLiteral(host, InetAddress.getByName(host), port, promise);
        } catch (UnknownHostException e) {
            promise.failed(e);
        }
    }

    private void resolveIPv6Literal(String host, int port, Promise<List<InetSocketAddress>> promise) {
        String inner = host;
        if (host.charAt(0) == '[') {
            if (host.length() < 3 || host.charAt(host.length() - 1) != ']') {
                refuse(AddressRefusedException.ambiguous(host), promise);
                return;
            }
            inner = host.substring(1, host.length() - 1);
        }
        IPAddressString text = new IPAddressString(inner, STRICT_IPV6_LITERAL);
        if (!text.isValid() || !text.isIPv6() || text.isPrefixed()) {
            refuse(AddressRefusedException.ambiguous(host), promise);
            return;
        }
        try {
            // Bracketed, the JDK treats it as an IPv6 literal and never falls back to DNS. It may
            // return an Inet4Address for ::ffff:a.b.c.d; the policy judges whichever it returns.
            judgeLiteral(host, InetAddress.getByName("[" + inner + "]"), port, promise);
        } catch (UnknownHostException e) {
            // e.g. a zone naming an interface this machine does not have
            promise.failed(e);
        }
    }

    private void judgeLiteral(String host, InetAddress address, int port, Promise<List<InetSocketAddress>> promise) {
        if (policy.permits(address)) {
            promise.succeeded(List.of(new InetSocketAddress(address, port)));
        } else {
            refuse(AddressRefusedException.refused(host, List.of(address)), promise);
        }
    }

    private static void refuse(AddressRefusedException refusal, Promise<List<InetSocketAddress>> promise) {
        LOG.log(System.Logger.Level.DEBUG, refusal::getMessage);
        promise.failed(refusal);
    }

    /** Jetty brackets IPv6 literals ("[::1]"); a bare colon can only be an IPv6 literal too. */
    private static boolean looksLikeIPv6(String host) {
        return host.charAt(0) == '[' || host.indexOf(':') >= 0;
    }

    /**
     * Whether an IPv4 parser would claim the host, following the WHATWG URL "ends in a number" rule:
     * the last label (ignoring one trailing dot) is decimal digits or {@code 0x} hex. Such a host is
     * never a usable DNS name (no top-level domain is numeric), so treating it as a literal costs nothing.
     */
    private static boolean looksLikeIPv4(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String last = name.substring(name.lastIndexOf('.') + 1);
        return NUMERIC_LABEL.matcher(last).matches();
    }

    private static IPAddressStringParameters strictIPv6LiteralSyntax() {
        IPAddressStringParameters.Builder builder = new IPAddressStringParameters.Builder()
                .allowEmpty(false)
                .allowAll(false)
                .allowSingleSegment(false)
                .allowPrefixOnly(false)
                .allowPrefix(false)
                .allowMask(false)
                .allowIPv4(false)
                .allow_inet_aton(false)
                .allowWildcardedSeparator(false)
                .setRangeOptions(RangeParameters.NO_RANGE);
        AddressPolicy.strictIPv6(builder.getIPv6AddressParametersBuilder(), true);
        return builder.toParams();
    }

    /** Keeps the permitted addresses of a delegated resolution. */
    private final class Filter implements Promise<List<InetSocketAddress>> {
        private final String host;
        private final Promise<List<InetSocketAddress>> promise;

        private Filter(String host, Promise<List<InetSocketAddress>> promise) {
            this.host = host;
            this.promise = promise;
        }

        @Override
        public void succeeded(List<InetSocketAddress> resolved) {
            List<InetSocketAddress> kept = new ArrayList<>(resolved.size());
            List<InetAddress> refused = new ArrayList<>();
            boolean unresolved = false;
            for (InetSocketAddress socketAddress : resolved) {
                InetAddress address = socketAddress.getAddress();
                if (address == null) {
                    // An unresolved address would make the connector look the name up again,
                    // unchecked: never pass one on.
                    unresolved = true;
                } else if (policy.permits(address)) {
                    kept.add(socketAddress);
                } else {
                    refused.add(address);
                }
            }
            if (!kept.isEmpty()) {
                if (!refused.isEmpty()) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "Address policy dropped " + refused + " of " + host);
                }
                promise.succeeded(List.copyOf(kept));
            } else if (refused.isEmpty() && !unresolved) {
                // Nothing was refused: the name simply has no address, which is not a policy matter.
                promise.failed(new UnknownHostException(host));
            } else {
                refuse(AddressRefusedException.refused(host, refused), promise);
            }
        }

        @Override
        public void failed(Throwable failure) {
            promise.failed(failure);
        }
    }
}
