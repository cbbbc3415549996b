package dev.numbers.upstream.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Addresses are built from literals only ({@link InetAddress#getByName} on a literal makes no DNS
 * query) and are never connected to.
 */
class AddressPolicyTest {

    private static final AddressPolicy DEFAULTS = AddressPolicy.defaults();

    @ParameterizedTest
    @ValueSource(strings = {
            "127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3",
            "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.255",
            "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
            "192.0.0.170", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.255",
            "192.88.99.1"})
    void refusesSpecialPurposeIPv4ByDefault(String address) throws UnknownHostException {
        assertFalse(DEFAULTS.permits(InetAddress.getByName(address)), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "::1", "::", "fe80::1", "febf:ffff::1", "fc00::1", "fd12:3456:789a::1", "fec0::1",
            "ff02::1", "ff0e::101", "100::1", "64:ff9b:1::5db8:d822", "2001:db8::1", "3fff::1",
            "2001:2::1", "2001:10::1", "5f00::1", "4000::1", "::2:0:0:1"})
    void refusesSpecialPurposeIPv6ByDefault(String address) throws UnknownHostException {
        assertFalse(DEFAULTS.permits(InetAddress.getByName(address)), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "93.184.216.34", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255",
            "172.32.0.0", "198.17.255.255", "198.20.0.0", "169.253.255.255", "223.255.255.255",
            "11.0.0.0", "9.255.255.255", "192.0.1.255", "192.169.0.0",
            "2606:4700::1", "2a00:1450:4001::1", "2001:200::1", "3ffe::1", "2001:4860:4860::8888"})
    void permitsPublicAddresses(String address) throws UnknownHostException {
        assertTrue(DEFAULTS.permits(InetAddress.getByName(address)), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
            "::127.0.0.1", "::10.0.0.1", "::192.168.0.1",
            "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::c0a8:1"})
    void refusesMappedCompatibleAndNat64FormsOfRefusedAddresses(String address) throws UnknownHostException {
        assertFalse(DEFAULTS.permits(inet6(address)), address);
    }

    @Test
    void judgesMappedAddressesThatTheJdkAlreadyUnwrapped() throws UnknownHostException {
        // The JDK turns ::ffff:a.b.c.d into an Inet4Address; the verdict must not depend on that.
        InetAddress unwrapped = InetAddress.getByName("::ffff:127.0.0.1");
        assertFalse(DEFAULTS.permits(unwrapped));
        assertFalse(DEFAULTS.permits(inet6("::ffff:127.0.0.1")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:93.184.216.34", "::93.184.216.34", "64:ff9b::5db8:d822"})
    void permitsMappedCompatibleAndNat64FormsOfPublicAddresses(String address) throws UnknownHostException {
        assertTrue(DEFAULTS.permits(inet6(address)), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2002:7f00:1::1", "2002:a00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101:1::1"})
    void refusesSixToFourWrappingRefusedAddresses(String address) throws UnknownHostException {
        assertFalse(DEFAULTS.permits(inet6(address)), address);
    }

    @Test
    void permitsSixToFourWrappingPublicAddress() throws UnknownHostException {
        assertTrue(DEFAULTS.permits(inet6("2002:5db8:d822::1")));
    }

    @Test
    void refusesTeredoWhoseClientIsLoopback() throws UnknownHostException {
        // Server 65.54.227.120, client 127.0.0.1 stored inverted (0x80fffffe).
        assertFalse(DEFAULTS.permits(inet6("2001:0:4136:e378:8000:63bf:80ff:fffe")));
    }

    @Test
    void refusesTeredoWhoseServerIsPrivate() throws UnknownHostException {
        // Server 10.0.0.1, client 93.184.216.34 stored inverted (0xa24727dd).
        assertFalse(DEFAULTS.permits(inet6("2001:0:a00:1:8000:63bf:a247:27dd")));
    }

    @Test
    void permitsTeredoBetweenPublicAddresses() throws UnknownHostException {
        assertTrue(DEFAULTS.permits(inet6("2001:0:4136:e378:8000:63bf:a247:27dd")));
    }

    @Test
    void loopbackNetworkOpensExactlyLoopbackIPv4() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(List.of("127.0.0.0/8"));
        assertTrue(policy.permits(InetAddress.getByName("127.0.0.1")));
        assertTrue(policy.permits(InetAddress.getByName("127.255.255.254")));
        assertTrue(policy.permits(InetAddress.getByName("127.255.255.255")));
        assertFalse(policy.permits(InetAddress.getByName("10.0.0.1")));
        assertFalse(policy.permits(InetAddress.getByName("::1")));
        assertFalse(policy.permits(InetAddress.getByName("0.0.0.0")));
    }

    @Test
    void openedIPv4NetworkAlsoOpensItsMappedAndNat64Forms() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(List.of("127.0.0.0/8"));
        assertTrue(policy.permits(inet6("::ffff:127.0.0.1")));
        assertTrue(policy.permits(inet6("64:ff9b::7f00:1")));
        assertFalse(policy.permits(inet6("::ffff:10.0.0.1")));
    }

    @Test
    void ipv6LoopbackEntryOpensOnlyIPv6Loopback() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(List.of("::1/128"));
        assertTrue(policy.permits(InetAddress.getByName("::1")));
        assertFalse(policy.permits(InetAddress.getByName("::")));
        assertFalse(policy.permits(InetAddress.getByName("::2")));
        assertFalse(policy.permits(InetAddress.getByName("127.0.0.1")));
    }

    @Test
    void networkEdgesJustOutsideTheBlockStayRefused() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(List.of("10.1.0.0/16", "fd00:1::/32"));
        assertTrue(policy.permits(InetAddress.getByName("10.1.0.0")));
        assertTrue(policy.permits(InetAddress.getByName("10.1.255.255")));
        assertFalse(policy.permits(InetAddress.getByName("10.0.255.255")));
        assertFalse(policy.permits(InetAddress.getByName("10.2.0.0")));
        assertTrue(policy.permits(InetAddress.getByName("fd00:1::1")));
        assertTrue(policy.permits(InetAddress.getByName("fd00:1:ffff:ffff:ffff:ffff:ffff:ffff")));
        assertFalse(policy.permits(InetAddress.getByName("fd00:0:ffff:ffff:ffff:ffff:ffff:ffff")));
        assertFalse(policy.permits(InetAddress.getByName("fd00:2::")));
    }

    @Test
    void bareAddressOpensExactlyThatAddress() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(List.of("10.0.0.5", "fd00::1"));
        assertTrue(policy.permits(InetAddress.getByName("10.0.0.5")));
        assertFalse(policy.permits(InetAddress.getByName("10.0.0.4")));
        assertFalse(policy.permits(InetAddress.getByName("10.0.0.6")));
        assertTrue(policy.permits(InetAddress.getByName("fd00::1")));
        assertFalse(policy.permits(InetAddress.getByName("fd00::2")));
    }

    @Test
    void openingNetworksKeepsPublicAddressesPermitted() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(List.of("127.0.0.0/8"));
        assertTrue(policy.permits(InetAddress.getByName("93.184.216.34")));
        assertTrue(policy.permits(InetAddress.getByName("2606:4700::1")));
    }

    @Test
    void ignoresBlankEntriesAndTrimsWhitespace() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(Arrays.asList("", "   ", null, " 127.0.0.0/8 ", "\t::1/128\n"));
        assertEquals(List.of("127.0.0.0/8", "::1/128"), policy.allowedNetworks());
        assertTrue(policy.permits(InetAddress.getByName("127.0.0.1")));
        assertTrue(AddressPolicy.of(List.of("", " ")).allowedNetworks().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "not-a-network", "10.0.0.0/33", "::1/129", "10.0.0.0/8x", "10.0.0.0/", "/8", "10.0.0",
            "127.1", "0177.0.0.1", "0x7f000001", "2130706433", "010.0.0.0/8", "10.*.0.0", "10.0.0.0-255",
            "*", "10.0.0.0/255.0.0.0", "fe80::1%eth0", "::ffff:0177.0.0.1", "10.0.0.1/8", "fd00::1/8",
            "example.com"})
    void rejectsMalformedNetworkNamingTheEntry(String entry) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AddressPolicy.of(List.of("127.0.0.0/8", entry)));
        assertTrue(e.getMessage().contains("'" + entry + "'"), e.getMessage());
    }

    @Test
    void rejectsHostBitsSuggestingTheNetwork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AddressPolicy.of(List.of("10.0.0.1/8")));
        assertTrue(e.getMessage().contains("10.0.0.0/8"), e.getMessage());
    }

    @Test
    void toStringDescribesAllowedNetworks() {
        assertEquals("AddressPolicy[allowedNetworks=127.0.0.0/8, ::1/128]",
                AddressPolicy.of(List.of("127.0.0.0/8", "::1/128")).toString());
        assertTrue(AddressPolicy.defaults().toString().contains("no network opened"));
    }

    @Test
    void ignoresIPv6ScopeWhenJudging() throws UnknownHostException {
        InetAddress scoped = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 1);
        assertFalse(DEFAULTS.permits(scoped));
        assertTrue(AddressPolicy.of(List.of("fe80::/10")).permits(scoped));
    }

    @Test
    void openingEverythingIPv4DoesNotOpenIPv6() throws UnknownHostException {
        AddressPolicy policy = AddressPolicy.of(List.of("0.0.0.0/0"));
        assertTrue(policy.permits(InetAddress.getByName("10.0.0.1")));
        assertFalse(policy.permits(InetAddress.getByName("::1")));
        assertFalse(policy.permits(InetAddress.getByName("fd00::1")));
    }

    @Test
    void rejectsNullAddress() {
        assertThrows(NullPointerException.class, () -> DEFAULTS.permits(null));
    }

    /** An Inet6Address even for IPv4-mapped forms, which {@link InetAddress#getByName} would unwrap. */
    static InetAddress inet6(String literal) throws UnknownHostException {
        byte[] bytes = new inet.ipaddr.IPAddressString(literal).getAddress().toIPv6().getBytes();
        return Inet6Address.getByAddress(null, bytes, -1);
    }
}
