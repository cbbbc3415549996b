package dev.numbers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A socket-level upstream on 127.0.0.1 for what a well-behaved HTTP server cannot do: reset connections, send
 * malformed chunked encoding, drip a body byte by byte. One thread accepts; each connection gets its own thread,
 * all ended by {@link #close()}.
 */
final class RawUpstream implements AutoCloseable {

    /** What to do with one accepted connection, after its request head has been read. */
    @FunctionalInterface
    interface Script {
        void run(Socket socket, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final Script script;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private RawUpstream(Script script) throws IOException {
        this.server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = new Thread(this::accept, "raw-upstream-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    static RawUpstream start(Script script) throws IOException {
        return new RawUpstream(script);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
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
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the request head ended");
            }
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
    }

    // ---- scripts ----

    /** Closes with SO_LINGER 0, which sends a TCP reset. */
    static Script reset() {
        return (socket, out) -> {
            socket.setSoLinger(true, 0);
            socket.close();
        };
    }

    /** Sends a text verbatim, then closes. */
    static Script send(String raw) {
        return (socket, out) -> {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        };
    }

    /** A 200 head, then one body byte every {@code intervalMillis}, for {@code bytes} bytes. */
    static Script drip(int bytes, long intervalMillis) {
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
        for (Socket socket : open) {
            socket.close();
        }
        acceptor.join(2_000);
    }
}
