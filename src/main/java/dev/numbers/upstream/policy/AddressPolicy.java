package dev.numbers.upstream.policy;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv4.IPv4AddressStringParameters;
import inet.ipaddr.ipv6.IPv6Address;
import inet.ipaddr.ipv6.IPv6AddressStringParameters;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Decides whether the service may open a connection to a resolved IP address.
 *
 * <p>The service fetches URLs chosen by its callers, so by default it must not be usable to reach the
 * machine it runs on or the private network around it (server-side request forgery). This policy is
 * consulted <em>after</em> DNS resolution, for every connection, by {@link PolicyCheckingResolver}.
 *
 * <p>By default it refuses every address that is not ordinary public unicast:
 * <ul>
 *   <li>IPv4: {@code 0.0.0.0/8} (includes unspecified), {@code 10.0.0.0/8}, {@code 100.64.0.0/10} (CGNAT),
 *   {@code 127.0.0.0/8}, {@code 169.254.0.0/16} (link-local, cloud metadata), {@code 172.16.0.0/12},
 *   {@code 192.0.0.0/24} (IETF protocol assignments), {@code 192.0.2.0/24}, {@code 198.51.100.0/24},
 *   {@code 203.0.113.0/24} (documentation), {@code 192.88.99.0/24} (deprecated 6to4 relay anycast),
 *   {@code 192.168.0.0/16}, {@code 198.18.0.0/15} (benchmarking), {@code 224.0.0.0/4} (multicast),
 *   {@code 240.0.0.0/4} (reserved, includes broadcast {@code 255.255.255.255}).</li>
 *   <li>IPv6: everything outside global unicast {@code 2000::/3} (so {@code ::}, {@code ::1}, ULA
 *   {@code fc00::/7}, link-local {@code fe80::/10}, site-local {@code fec0::/10}, multicast
 *   {@code ff00::/8}, discard {@code 100::/64}, local-use NAT64 {@code 64:ff9b:1::/48}), and inside it
 *   {@code 2001::/23} (IETF protocol assignments), {@code 2001:db8::/32} and {@code 3fff::/20}
 *   (documentation).</li>
 *   <li>IPv6 forms that carry an IPv4 address are judged by that IPv4 address: IPv4-mapped
 *   {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96}, well-known NAT64 {@code 64:ff9b::/96},
 *   6to4 {@code 2002::/16}, and Teredo {@code 2001::/32} (both the server and the client address must
 *   be permitted).</li>
 * </ul>
 *
 * <p>Operators open it deliberately with a list of allowed networks (CIDR blocks): an address that
 * falls inside one of them, or whose embedded IPv4 address does, is permitted; nothing else changes.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AddressPolicy {

    /*
     * Strict syntax for allowed networks: dotted-quad IPv4 and RFC 4291 IPv6 with an optional
     * prefix length. No inet_aton forms (127.1, 0x7f...), no octal-looking leading zeros, no
     * wildcards, ranges, masks or zones: a configuration typo must fail loudly, never widen the
     * policy by a surprising interpretation.
     */
    private static final IPAddressStringParameters STRICT_NETWORK = strictNetworkSyntax();

    private static final List<IPAddress> REFUSED_V4 = networks(
            "0.0.0.0/8",          // "this network"; 0.0.0.0 connects to the local host on most stacks
            "10.0.0.0/8",         // RFC 1918 private
            "100.64.0.0/10",      // RFC 6598 shared address space (CGNAT), often internal
            "127.0.0.0/8",        // loopback
            "169.254.0.0/16",     // link-local; cloud metadata lives at 169.254.169.254
            "172.16.0.0/12",      // RFC 1918 private
            "192.0.0.0/24",       // IETF protocol assignments (incl. NAT64 discovery, DS-Lite)
            "192.0.2.0/24",       // TEST-NET-1, documentation: never a legitimate upstream
            "192.88.99.0/24",     // deprecated 6to4 relay anycast
            "192.168.0.0/16",     // RFC 1918 private
            "198.18.0.0/15",      // benchmarking; in practice used for internal lab networks
            "198.51.100.0/24",    // TEST-NET-2, documentation
            "203.0.113.0/24",     // TEST-NET-3, documentation
            "224.0.0.0/4",        // multicast
            "240.0.0.0/4");       // reserved, includes limited broadcast 255.255.255.255

    /** Only global unicast IPv6 may be reached; everything else is local, special or unallocated. */
    private static final IPAddress GLOBAL_UNICAST_V6 = network("2000::/3");

    private static final List<IPAddress> REFUSED_V6_GLOBAL = networks(
            "2001::/23",          // IETF protocol assignments (benchmarking, ORCHID, anycast services)
            "2001:db8::/32",      // documentation
            "3fff::/20");         // documentation (RFC 9637)

    /** {@code ::} and {@code ::1}: judged as themselves, never as IPv4-compatible 0.0.0.0/0.0.0.1. */
    private static final IPAddress UNSPECIFIED_OR_LOOPBACK_V6 = network("::/127");

    // IPv6 forms whose last 32 bits are an IPv4 address (RFC 4291, RFC 6052).
    private static final List<IPAddress> EMBEDS_V4_IN_LOW_32_BITS = networks(
            "::ffff:0:0/96",      // IPv4-mapped
            "::/96",              // IPv4-compatible (deprecated, still parsed by stacks)
            "64:ff9b::/96");      // well-known NAT64 prefix
    private static final IPAddress SIX_TO_FOUR = network("2002::/16");
    private static final IPAddress TEREDO = network("2001::/32");

    private final List<IPAddress> allowed;

    private AddressPolicy(List<IPAddress> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /**
     * Creates a policy that refuses special-purpose addresses except those inside the given networks.
     *
     * @param allowedNetworks CIDR blocks such as {@code 127.0.0.0/8} or {@code ::1/128}; a bare address
     *                        means that single address ({@code /32} or {@code /128}); blank entries are
     *                        ignored; surrounding whitespace is trimmed
     * @return the policy
     * @throws IllegalArgumentException if an entry is not a well-formed network; the message names it
     */
    public static AddressPolicy of(List<String> allowedNetworks) {
        Objects.requireNonNull(allowedNetworks, "allowedNetworks");
        List<IPAddress> parsed = new ArrayList<>();
        for (String entry : allowedNetworks) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            parsed.add(parseAllowed(entry.strip()));
        }
        return new AddressPolicy(parsed);
    }

    /**
     * Creates the default policy: no network opened.
     *
     * @return the default policy
     */
    static AddressPolicy defaults() {
        return of(List.of());
    }

    /**
     * Tells whether the service may connect to the given address.
     *
     * @param address a resolved address
     * @return {@code true} if the address is ordinary public unicast or inside an allowed network
     */
    boolean permits(InetAddress address) {
        Objects.requireNonNull(address, "address");
        // Built from the raw bytes so that an IPv6 scope (%eth0) cannot influence matching.
        byte[] bytes = address.getAddress();
        IPAddress ip = bytes.length == 4 ? new IPv4Address(bytes) : new IPv6Address(bytes);
        return permits(ip);
    }

    /**
     * The allowed networks, canonically spelled.
     *
     * @return the networks this policy opens, possibly empty
     */
    List<String> allowedNetworks() {
        return allowed.stream().map(IPAddress::toCanonicalString).collect(Collectors.toUnmodifiableList());
    }

    @Override
    public String toString() {
        return allowed.isEmpty()
                ? "AddressPolicy[defaults, no network opened]"
                : "AddressPolicy[allowedNetworks=" + String.join(", ", allowedNetworks()) + "]";
    }

    private boolean permits(IPAddress ip) {
        if (isAllowed(ip)) {
            return true;
        }
        if (ip.isIPv4()) {
            return REFUSED_V4.stream().noneMatch(network -> network.contains(ip));
        }
        IPv6Address v6 = ip.toIPv6();
        if (UNSPECIFIED_OR_LOOPBACK_V6.contains(v6)) {
            return false;
        }
        // Translation and tunnelling forms deliver packets to the embedded IPv4 host, so that host is
        // what must be judged (and what an allowed IPv4 network may open).
        List<IPv4Address> embedded = embeddedIPv4(v6);
        if (!embedded.isEmpty()) {
            return embedded.stream().allMatch(this::permits);
        }
        return GLOBAL_UNICAST_V6.contains(v6)
                && REFUSED_V6_GLOBAL.stream().noneMatch(network -> network.contains(v6));
    }

    private boolean isAllowed(IPAddress ip) {
        for (IPAddress network : allowed) {
            // contains() is false across IP versions, so 127.0.0.0/8 never opens ::1.
            if (network.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    private static List<IPv4Address> embeddedIPv4(IPv6Address v6) {
        if (EMBEDS_V4_IN_LOW_32_BITS.stream().anyMatch(network -> network.contains(v6))) {
            return List.of(v6.getEmbeddedIPv4Address());
        }
        if (SIX_TO_FOUR.contains(v6)) {
            return List.of(v6.get6To4IPv4Address());
        }
        if (TEREDO.contains(v6)) {
            // RFC 4380: server IPv4 in bytes 4..7, client IPv4 in bytes 12..15 with every bit inverted.
            IPv4Address server = v6.getEmbeddedIPv4Address(4);
            IPv4Address obfuscatedClient = v6.getEmbeddedIPv4Address(12);
            IPv4Address client = new IPv4Address(~obfuscatedClient.intValue());
            return List.of(server, client);
        }
        return List.of();
    }

    private static IPAddress parseAllowed(String entry) {
        IPAddressString text = new IPAddressString(entry, STRICT_NETWORK);
        IPAddress network;
        try {
            network = text.toAddress();
        } catch (AddressStringException | RuntimeException e) {
            throw new IllegalArgumentException("Malformed allowed network '" + entry
                    + "': expected a CIDR block such as 127.0.0.0/8 or ::1/128, or a single address", e);
        }
        if (network == null) {
            throw new IllegalArgumentException("Malformed allowed network '" + entry + "'");
        }
        if (network.isPrefixed() && !network.isPrefixBlock()) {
            // 10.0.0.1/8 is ambiguous (one address or the whole /8?): make the operator say which.
            throw new IllegalArgumentException("Malformed allowed network '" + entry
                    + "': host bits are set; did you mean " + network.toPrefixBlock().toCanonicalString()
                    + " or " + network.withoutPrefixLength().toCanonicalString() + "?");
        }
        return network;
    }

    private static IPAddressStringParameters strictNetworkSyntax() {
        IPAddressStringParameters.Builder builder = new IPAddressStringParameters.Builder()
                .allowEmpty(false)
                .allowAll(false)
                .allowSingleSegment(false)
                .allowPrefixOnly(false)
                .allowMask(false)
                .allow_inet_aton(false)
                .allowWildcardedSeparator(false)
                .setRangeOptions(RangeParameters.NO_RANGE);
        IPv4AddressStringParameters.Builder v4 = builder.getIPv4AddressParametersBuilder();
        v4.allow_inet_aton(false);
        v4.allowLeadingZeros(false);
        v4.allowUnlimitedLeadingZeros(false);
        v4.allowPrefixesBeyondAddressSize(false);
        v4.allowBinary(false);
        v4.setRangeOptions(RangeParameters.NO_RANGE);
        IPv6AddressStringParameters.Builder v6 = builder.getIPv6AddressParametersBuilder();
        v6.allowPrefixesBeyondAddressSize(false);
        strictIPv6(v6, false);
        return builder.toParams();
    }

    /**
     * Restricts IPv6 text, and the IPv4 text embedded in it, to the one spelling every parser agrees on: no zone
     * (unless asked), no base 85, no binary, no extra leading zeros, no inet_aton forms, no ranges. Shared with
     * {@link PolicyCheckingResolver}'s literal syntax.
     */
    static void strictIPv6(IPv6AddressStringParameters.Builder v6, boolean allowZone) {
        v6.allowZone(allowZone);
        v6.allowBase85(false);
        v6.allowBinary(false);
        v6.allowUnlimitedLeadingZeros(false);
        v6.allow_mixed_inet_aton(false);
        v6.setRangeOptions(RangeParameters.NO_RANGE);
        IPv4AddressStringParameters.Builder mixed = v6.getEmbeddedIPv4AddressParametersBuilder();
        mixed.allow_inet_aton(false);
        mixed.allowLeadingZeros(false);
        mixed.allowUnlimitedLeadingZeros(false);
        mixed.allowBinary(false);
        mixed.setRangeOptions(RangeParameters.NO_RANGE);
    }

    private static List<IPAddress> networks(String... cidrs) {
        return Stream.of(cidrs).map(AddressPolicy::network).collect(Collectors.toUnmodifiableList());
    }

    private static IPAddress network(String cidr) {
        return new IPAddressString(cidr).getAddress();
    }
}
