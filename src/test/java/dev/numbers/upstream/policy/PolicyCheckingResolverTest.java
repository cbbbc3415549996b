package dev.numbers.upstream.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names are resolved by a fake delegate with canned answers: these tests make no DNS query and open
 * no connection.
 */
class PolicyCheckingResolverTest {

    private static final int PORT = 8443;

    private final FakeResolver dns = new FakeResolver();
    private final PolicyCheckingResolver resolver = PolicyCheckingResolver.of(AddressPolicy.defaults(), dns);

    @Test
    void refusesOctalSpelledLoopback() {
        AddressRefusedException refusal = refusal(resolver, "0177.0.0.1");
        assertEquals("0177.0.0.1", refusal.host());
        assertTrue(refusal.addresses().isEmpty());
        assertTrue(dns.asked.isEmpty(), "must not resolve an ambiguous literal");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0x7f.1", "0x7f.0.0.1",
            "0x7f.0x0.0x0.0x1", "0177.1", "0177.0.0.01", "127.0.0.01", "127.000.000.001", "017700000001",
            "0x7f.0.0.1", "127.0.0.1.", "0", "0x", "0.0", "1.2.3.4.5", "256.0.0.1", "127.0.0.256",
            // Public-looking but still ambiguous spellings are refused too: no parser guessing.
            "08.8.8.8", "8.8.010.8", "134744072", "0x8.0x8.0x8.0x8", "1.1",
            // A name whose last label is numeric is never a public DNS name; URL parsers read it as IPv4.
            "example.123", "internal.0x7f"})
    void refusesNonCanonicalIPv4SpellingsWithoutResolving(String host) {
        AddressRefusedException refusal = refusal(resolver, host);
        assertEquals(host, refusal.host());
        assertTrue(dns.asked.isEmpty(), "must not resolve " + host);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "127.0.0.1", "127.255.255.254", "0.0.0.0", "10.0.0.1", "169.254.169.254", "192.168.0.1",
            "100.64.0.1", "255.255.255.255", "224.0.0.1",
            "[::1]", "[::]", "[0:0:0:0:0:0:0:1]", "[0000::0001]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
            "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[64:ff9b::a9fe:a9fe]", "[2002:7f00:1::1]", "[fe80::1]",
            "[fd00::1]", "[ff02::1]", "::1", "::ffff:10.0.0.1"})
    void refusesCanonicalLiteralsOfRefusedAddressesWithoutResolving(String host) {
        AddressRefusedException refusal = refusal(resolver, host);
        assertEquals(1, refusal.addresses().size());
        assertTrue(dns.asked.isEmpty(), "must not resolve " + host);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "[::ffff:0177.0.0.1]", "[::ffff:127.1]", "[::ffff:0x7f.0.0.1]", "[127.0.0.1]", "[::1",
            "[]", "[example.com]", "[::1/128]", "[1::2::3]", "[::1]:80", "::1]", "example.com:80"})
    void refusesMalformedOrLooseIPv6LiteralsWithoutResolving(String host) {
        refusal(resolver, host);
        assertTrue(dns.asked.isEmpty(), "must not resolve " + host);
    }

    @Test
    void permitsCanonicalPublicLiteralsWithoutResolving() throws Exception {
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("93.184.216.34"), PORT)),
                resolve(resolver, "93.184.216.34"));
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("2606:4700::1"), PORT)),
                resolve(resolver, "[2606:4700::1]"));
        assertTrue(dns.asked.isEmpty());
    }

    @Test
    void refusesLocalhost() throws Exception {
        dns.answer("localhost", "127.0.0.1", "::1");
        AddressRefusedException refusal = refusal(resolver, "localhost");
        assertEquals(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")), refusal.addresses());
        assertTrue(refusal.getMessage().contains("localhost"), refusal.getMessage());
        assertTrue(refusal.getMessage().contains("127.0.0.1"), refusal.getMessage());
    }

    @Test
    void permitsLocalhostOnlyOverTheOpenedLoopbackFamily() throws Exception {
        dns.answer("localhost", "127.0.0.1", "::1");
        PolicyCheckingResolver opened = PolicyCheckingResolver.of(AddressPolicy.of(List.of("127.0.0.0/8")), dns);
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), PORT)),
                resolve(opened, "localhost"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.5", "169.254.169.254", "fd00::5", "::ffff:192.168.1.1", "64:ff9b::a00:5"})
    void refusesNameResolvingToRefusedAddress(String address) throws Exception {
        dns.answer("internal.example", address);
        AddressRefusedException refusal = refusal(resolver, "internal.example");
        assertEquals(1, refusal.addresses().size());
        assertEquals("internal.example", refusal.host());
    }

    @Test
    void refusesNameResolvingToMappedPrivateAddressKeptAsInet6() throws Exception {
        dns.answer("mapped.example", AddressPolicyTest.inet6("::ffff:10.0.0.1"));
        refusal(resolver, "mapped.example");
    }

    @Test
    void keepsOnlyPermittedAddressesOfAPartiallyRefusedName() throws Exception {
        dns.answer("mixed.example", "10.0.0.1", "93.184.216.34", "::1", "2606:4700::1");
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("93.184.216.34"), PORT),
                        new InetSocketAddress(InetAddress.getByName("2606:4700::1"), PORT)),
                resolve(resolver, "mixed.example"));
    }

    @Test
    void passesPublicNameThroughInDelegateOrder() throws Exception {
        dns.answer("example.com", "2606:4700::1", "93.184.216.34");
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("2606:4700::1"), PORT),
                        new InetSocketAddress(InetAddress.getByName("93.184.216.34"), PORT)),
                resolve(resolver, "example.com"));
        assertEquals(List.of("example.com"), dns.asked);
    }

    @Test
    void propagatesDelegateFailureAsIs() {
        UnknownHostException failure = new UnknownHostException("nowhere.example");
        dns.fail("nowhere.example", failure);
        Throwable seen = failure(resolver, "nowhere.example");
        assertSame(failure, seen);
    }

    @Test
    void reportsEmptyResolutionAsUnknownHostNotAsRefusal() {
        dns.answer("empty.example");
        assertInstanceOf(UnknownHostException.class, failure(resolver, "empty.example"));
    }

    @Test
    void refusesUnresolvedAddressesFromDelegate() {
        dns.answerRaw("lazy.example", List.of(InetSocketAddress.createUnresolved("lazy.example", PORT)));
        refusal(resolver, "lazy.example");
    }

    @Test
    void checksUserInfoTrickAgainstTheRealHost() {
        // Everything before '@' is user info; Jetty hands the resolver URI.getHost(): 127.0.0.1.
        String host = URI.create("http://example.com@127.0.0.1/").getHost();
        assertEquals("127.0.0.1", host);
        refusal(resolver, host);
        assertTrue(dns.asked.isEmpty(), "example.com must not be looked up");
    }

    @Test
    void resolvesTheRealHostOfAUserInfoUrl() throws Exception {
        dns.answer("attacker.example", "10.0.0.1");
        String host = URI.create("http://127.0.0.1@attacker.example/").getHost();
        assertEquals("attacker.example", host);
        refusal(resolver, host);
        assertEquals(List.of("attacker.example"), dns.asked);
    }

    @Test
    void refusesBracketedMappedLoopbackAsJettyPassesIt() {
        String host = URI.create("http://[::ffff:127.0.0.1]:8080/").getHost();
        assertEquals("[::ffff:127.0.0.1]", host);
        refusal(resolver, host);
    }

    @Test
    void refusalMessageIsSafeToLog() {
        dns.answer("evil\r\nx.example", "10.0.0.1");
        AddressRefusedException refusal = refusal(resolver, "evil\r\nx.example");
        assertTrue(!refusal.getMessage().contains("\r") && !refusal.getMessage().contains("\n"), refusal.getMessage());
        assertEquals("evil\r\nx.example", refusal.host());
    }

    @Test
    void openedLoopbackPermitsLoopbackLiterals() throws Exception {
        PolicyCheckingResolver opened = PolicyCheckingResolver.of(
                AddressPolicy.of(List.of("127.0.0.0/8", "::1/128")), dns);
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), PORT)),
                resolve(opened, "127.0.0.1"));
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("::1"), PORT)),
                resolve(opened, "[::1]"));
        // Opening loopback does not make ambiguous spellings of it acceptable.
        refusal(opened, "127.1");
        refusal(opened, "2130706433");
    }

    private static List<InetSocketAddress> resolve(SocketAddressResolver resolver, String host) {
        CompletableFuture<List<InetSocketAddress>> result = new CompletableFuture<>();
        resolver.resolve(host, PORT, new HashMap<>(), Promise.from(result));
        assertTrue(result.isDone(), "fake resolution completes synchronously");
        return result.join();
    }

    private static Throwable failure(SocketAddressResolver resolver, String host) {
        CompletionException e = assertThrows(CompletionException.class, () -> resolve(resolver, host));
        return e.getCause();
    }

    private static AddressRefusedException refusal(SocketAddressResolver resolver, String host) {
        return assertInstanceOf(AddressRefusedException.class, failure(resolver, host), host);
    }

    /** Answers from a table, synchronously; records the names it was asked for. */
    private static final class FakeResolver implements SocketAddressResolver {
        private final Map<String, List<InetSocketAddress>> answers = new HashMap<>();
        private final Map<String, Throwable> failures = new HashMap<>();
        private final List<String> asked = new ArrayList<>();

        void answer(String name, String... literals) {
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (String literal : literals) {
                try {
                    addresses.add(new InetSocketAddress(InetAddress.getByName(literal), PORT));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException(literal, e);
                }
            }
            answers.put(name, addresses);
        }

        void answer(String name, InetAddress address) {
            answers.put(name, List.of(new InetSocketAddress(address, PORT)));
        }

        void answerRaw(String name, List<InetSocketAddress> addresses) {
            answers.put(name, addresses);
        }

        void fail(String name, Throwable failure) {
            failures.put(name, failure);
        }

        @Override
        public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
            asked.add(host);
            if (failures.containsKey(host)) {
                promise.failed(failures.get(host));
            } else if (answers.containsKey(host)) {
                promise.succeeded(answers.get(host));
            } else {
                promise.failed(new UnknownHostException(host));
            }
        }
    }
}
