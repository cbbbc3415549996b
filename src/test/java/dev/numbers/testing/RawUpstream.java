package dev.numbers.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A socket-level upstream on 127.0.0.1 for what a well-behaved HTTP server cannot do: reset connections, send
 * malformed or endless chunked encoding, drip a body byte by byte, stall, or never complete a TCP handshake. One thread accepts; each connection gets its own thread,
 * all ended by {@link #close()}.
 */
public final class RawUpstream implements AutoCloseable {

    /** What to do with one accepted connection, after its request head has been read. */
    @FunctionalInterface
    public interface Script {
        void run(Socket socket, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Script script;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Socket> fillers = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();
    private final Thread acceptor;

    private RawUpstream(Script script, int backlog) throws IOException {
        this.server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = new Thread(this::accept, "raw-upstream-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    public static RawUpstream start(Script script) throws IOException {
        RawUpstream upstream = new RawUpstream(script, 256);
        upstream.acceptor.start();
        return upstream;
    }

    /**
     * An upstream that listens with a backlog of one and accepts nothing until {@link #startAccepting()}: once its
     * accept queue is full, the kernel drops new connection attempts (their SYN), and the client sends its SYN
     * again only after its retransmission timeout, one second on Linux.
     */
    public static RawUpstream startNotAccepting(Script script) throws IOException {
        return new RawUpstream(script, 1);
    }

    public void startAccepting() {
        acceptor.start();
    }

    /**
     * Fills the accept queue of an upstream {@linkplain #startNotAccepting not accepting} with connections held until
     * {@link #close()}. Linux then drops every new connection's SYN (with {@code net.ipv4.tcp_abort_on_overflow} at
     * its default, 0): a connect to this upstream never completes until {@link #startAccepting()} makes room. The
     * first filler whose connect does not complete in 250 ms proves the queue full, and is closed.
     */
    public void fillAcceptQueue() throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 250);
                fillers.add(socket);
            } catch (SocketTimeoutException full) {
                socket.close();
                return;
            }
        }
        throw new AssertionError("the upstream's accept queue never filled; this test needs Linux's SYN drop");
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections accepted and not yet closed. */
    public int open() {
        return open.size();
    }

    /** The most connections open at once so far. */
    public int mostOpen() {
        return mostOpen.get();
    }

    public int port() {
        return server.getLocalPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                open.add(socket);
                mostOpen.accumulateAndGet(open.size(), Math::max);
                Thread worker = new Thread(() -> serve(socket), "raw-upstream-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            readHead(socket.getInputStream());
            script.run(socket, socket.getOutputStream());
        } catch (IOException | InterruptedException e) {
            // the client went away or the test ended
        } finally {
            open.remove(socket);
        }
    }

    private static void readHead(InputStream in) throws IOException {
        if (!readHeadOrEnd(in)) {
            throw new IOException("closed before the request head ended");
        }
    }

    /** Reads a request head; false when the connection ends before one begins or ends. */
    private static boolean readHeadOrEnd(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return true;
    }

    // ---- scripts ----

    /** Never answers: holds the connection until the client closes it (a tarpit). */
    public static Script silent() {
        return (socket, out) -> {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // discard whatever else the client sends
            }
        };
    }

    /** Closes with SO_LINGER 0, which sends a TCP reset. */
    public static Script reset() {
        return resetAfter("");
    }

    /** Sends a text verbatim, e.g. a head and part of its body, then resets the connection. */
    public static Script resetAfter(String raw) {
        return (socket, out) -> {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.setSoLinger(true, 0);
            socket.close();
        };
    }

    /** Sends a text verbatim, e.g. a head, then nothing more until the client closes the connection. */
    public static Script stallAfter(String raw) {
        return (socket, out) -> {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            silent().run(socket, out);
        };
    }

    /**
     * A 200 head with chunked encoding and the start of a JSON array, then one chunk {@code "1,"} every
     * {@code intervalMillis}, until the client closes the connection: a body that never ends and stays small.
     */
    public static Script chunkedForever(long intervalMillis) {
        return (socket, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "c\r\n{\"numbers\":[\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            while (true) {
                Thread.sleep(intervalMillis);
                out.write("2\r\n1,\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        };
    }

    /** Answers every request on the connection with {@code body} as JSON, keeping the connection open. */
    public static Script keepAlive(String body) {
        return (socket, out) -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            InputStream in = socket.getInputStream();
            do {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                        + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(bytes);
                out.flush();
            } while (readHeadOrEnd(in));
        };
    }

    /** The first connection runs the first script, the second the second, and so on; later ones the last. */
    public static Script inTurn(Script... scripts) {
        AtomicInteger turns = new AtomicInteger();
        return (socket, out) -> scripts[Math.min(turns.getAndIncrement(), scripts.length - 1)].run(socket, out);
    }

    /** Sends a text verbatim, then closes. */
    public static Script send(String raw) {
        return (socket, out) -> {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        };
    }

    /** A 200 head, then one body byte every {@code intervalMillis}, for {@code bytes} bytes. */
    public static Script drip(int bytes, long intervalMillis) {
        return (socket, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (int i = 0; i < bytes; i++) {
                Thread.sleep(intervalMillis);
                out.write(' ');
                out.flush();
            }
        };
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        for (Socket filler : fillers) {
            filler.close();
        }
        for (Socket socket : open) {
            socket.close();
        }
        acceptor.join(2_000);
    }
}
