package dev.numbers.upstream;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The blocking name lookup that {@link BoundedNameResolver} runs: the JDK's {@link InetAddress#getAllByName}, or a test's. */
@FunctionalInterface
public interface NameLookup {

    /**
     * @param host a host name
     * @return its addresses
     * @throws UnknownHostException when it has none
     */
    InetAddress[] lookUp(String host) throws UnknownHostException;
}
