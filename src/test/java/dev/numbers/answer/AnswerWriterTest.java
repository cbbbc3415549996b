package dev.numbers.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The writer's reports against a scripted output stream, in each order a container may produce them — the ones the
 * integration tests meet by chance of timing ({@code SlowClientsIT}): exactly one {@code finished}, and a failure of
 * the write counted exactly once however late the container reports it.
 */
class AnswerWriterTest {

    private static final byte[] BODY = "{\"numbers\":[1,2,3]}".getBytes();

    private final ScriptedStream out = new ScriptedStream();
    private final RecordingDelivery delivery = new RecordingDelivery();

    @Test
    void aBodyTakenAtOnceIsFinishedOnTheWritingThreadAndTheStreamClosed() throws Exception {
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        writer.send(BODY, delivery);

        assertEquals(List.of("handedOver null", "finished null"), delivery.events);
        assertEquals(1, out.closes);
        assertEquals(BODY.length, out.written);
    }

    @Test
    void anAnswerIsFinishedEvenWhenRecordingHowItLeftThrows() throws Exception {
        // Without an async timeout an exchange that is never completed stays open for good, with its in-flight slot.
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        RecordingDelivery throwing = new RecordingDelivery() {
            @Override
            public void handedOver(IOException failure) {
                super.handedOver(failure);
                throw new IllegalStateException("a broken observer");
            }
        };
        writer.send(BODY, throwing); // logged, not thrown: on the container's thread it would reach onError

        assertEquals(List.of("handedOver null", "finished null"), throwing.events);
        assertEquals(1, out.closes);
    }

    @Test
    void aWriteThatFailedAsItWasIssuedIsFinishedWithTheFailureThatClosingSurfaces() throws Exception {
        // Jetty 12: the write fails inside write(), isReady() still says true, close() throws the stored failure.
        out.closeFailure = new IOException("Connection reset by peer");
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        writer.send(BODY, delivery);
        writer.onError(out.closeFailure); // the container's own report, arriving afterwards, counts no second time

        assertEquals(List.of("handedOver Connection reset by peer", "finished Connection reset by peer"),
                delivery.events);
    }

    @Test
    void aFailureReportedOnlyAfterTheExchangeWasFinishedIsReportedLostOnce() throws Exception {
        // Jetty 12: a container thread took the stored failure before close() could see it, and reports it late.
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        writer.send(BODY, delivery);
        IOException reset = new IOException("Connection reset by peer");
        writer.onError(reset);
        writer.onError(reset);

        assertEquals(List.of("handedOver null", "finished null", "lost Connection reset by peer"), delivery.events);
    }

    @Test
    void aPendingWriteIsFinishedByTheContainersCallOnceTaken() throws Exception {
        out.readyAfterWrite = false;
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        writer.send(BODY, delivery);
        assertEquals(List.of("handedOver null"), delivery.events);
        assertEquals(0, out.closes);

        out.readyAfterWrite = true;
        writer.onWritePossible();

        assertEquals(List.of("handedOver null", "finished null"), delivery.events);
        assertEquals(1, out.closes);
    }

    @Test
    void aPendingWriteThatFailsIsFinishedWithTheFailureOnce() throws Exception {
        out.readyAfterWrite = false;
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        writer.send(BODY, delivery);
        IOException timeout = new IOException("idle timeout");
        writer.onError(timeout);
        writer.onError(timeout);

        assertEquals(List.of("handedOver null", "finished idle timeout"), delivery.events);
        assertEquals(0, out.closes);
    }

    @Test
    void anErrorBeforeAnythingWasSentIsLeftToTheAsyncListener() throws Exception {
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        writer.onError(new IOException("client gone"));
        assertEquals(List.of(), delivery.events);
    }

    @Test
    void theWriterListensToTheStreamItWasRegisteredWith() throws Exception {
        AnswerWriter writer = AnswerWriter.register(responseWith(out));
        assertSame(writer, out.listener);
    }

    private static HttpServletResponse responseWith(ServletOutputStream out) {
        return (HttpServletResponse) Proxy.newProxyInstance(AnswerWriterTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getOutputStream")) {
                        return out;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Ready before the write; after it, as scripted; {@code close()} throws when told to. */
    private static final class ScriptedStream extends ServletOutputStream {
        WriteListener listener;
        boolean writtenYet;
        boolean readyAfterWrite = true;
        IOException closeFailure;
        int written;
        int closes;

        @Override
        public boolean isReady() {
            return !writtenYet || readyAfterWrite;
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            listener = writeListener;
        }

        @Override
        public void write(int b) {
            throw new UnsupportedOperationException("the writer writes the body in one call");
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writtenYet = true;
            written += len;
        }

        @Override
        public void close() throws IOException {
            closes++;
            if (closeFailure != null) {
                throw closeFailure;
            }
        }
    }

    private static class RecordingDelivery implements AnswerWriter.Delivery {
        final List<String> events = new ArrayList<>();

        @Override
        public void handedOver(IOException failure) {
            events.add("handedOver " + message(failure));
        }

        @Override
        public void finished(IOException failure) {
            events.add("finished " + message(failure));
        }

        @Override
        public void lost(IOException failure) {
            events.add("lost " + message(failure));
        }

        private static String message(IOException failure) {
            return failure == null ? "null" : failure.getMessage();
        }
    }
}
