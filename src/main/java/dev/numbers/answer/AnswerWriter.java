package dev.numbers.answer;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Writes one asynchronous answer's body with non-blocking servlet I/O, so that no thread ever waits for a client to
 * read: a client that reads slowly, or never, holds its own connection and answer, not a pool thread that other
 * requests' answers and deadlines need.
 *
 * <p>The listener is registered in the request's first dispatch ({@link #register}), before there is anything to
 * write. The body is then written in one {@code write}. The exchange may be completed only once the container has
 * taken all of it ({@code isReady()} true after the write): completing while a non-blocking write is pending is not
 * portable — Tomcat 10.1 then sends a body of the right length with the wrong bytes. See
 * docs/design.md#writing-the-answer.
 *
 * <h2>Which thread writes, which finishes</h2>
 *
 * <p>Two threads may act: the one that produced the answer ({@link #send}), and the container's
 * {@link #onWritePossible} — its first call after registration, and one after each {@code isReady()} that said "not
 * yet". Both run {@link #progress} under this object's monitor, so the stream is only ever touched by one of them at a
 * time, and neither can miss the other: {@code send} publishes the body before it asks the stream, and the container
 * calls back only after the stream said "not ready". Usually the producer writes and, the body having fitted in the
 * socket buffers, finishes at once. Tomcat reports "not ready" until its first {@code onWritePossible}, which it makes
 * as the first dispatch returns, so an answer produced before that is written by that call. A body the client does not
 * take at once is finished by the container's call once it has.
 *
 * <p>{@link Delivery#handedOver} runs on the thread that wrote, right after the write; {@link Delivery#finished} runs
 * once, on the thread that saw the write done (or the failure): that is where the exchange is completed. A failure the
 * container reports only after that (Jetty, see {@link #closeAfterWrite}) is passed on as {@link Delivery#lost}.
 */
public final class AnswerWriter implements WriteListener {

    private static final System.Logger LOG = System.getLogger(AnswerWriter.class.getName());
    private static final byte[] NO_BODY = new byte[0];

    /** What the aggregation is told about its answer's delivery. */
    public interface Delivery {

        /** The body is written (or failed to be), on the writing thread; the client may still be reading it. */
        void handedOver(IOException failure);

        /**
         * The container has taken the whole body, or the client is gone: the exchange may be completed.
         *
         * @param failure why the body did not reach the client whole, or {@code null} when it did
         */
        void finished(IOException failure);

        /**
         * After {@link #finished finished(null)}: the container reports that the body did not reach the client whole
         * after all. The exchange must not be completed again. Called at most once, and never after a failed
         * {@code finished}.
         *
         * @param failure why
         */
        void lost(IOException failure);
    }

    private final ServletOutputStream out;
    /** The body to write, published by {@link #send}; {@code null} until then. Guarded by {@code this}. */
    private byte[] body;
    /** Guarded by {@code this}. */
    private Delivery delivery;
    /** The body has been written; the container may still hold part of it. Guarded by {@code this}. */
    private boolean written;
    /** {@link Delivery#finished} has been run (or is being run). Guarded by {@code this}. */
    private boolean finished;
    /** A failure of the write has been reported, to {@code finished} or {@code lost}. Guarded by {@code this}. */
    private boolean failed;

    private AnswerWriter(ServletOutputStream out) {
        this.out = out;
    }

    /**
     * Puts the response's output stream into non-blocking mode. Must be called after {@code startAsync}, in the
     * container's first dispatch, before any upstream can settle.
     *
     * @param response the asynchronous request's response
     * @return the writer for the answer
     * @throws IOException if the output stream cannot be had
     */
    public static AnswerWriter register(HttpServletResponse response) throws IOException {
        AnswerWriter writer = new AnswerWriter(response.getOutputStream());
        writer.out.setWriteListener(writer);
        return writer;
    }

    /**
     * Writes the body (none for {@code HEAD}) as soon as the stream is ready. Called at most once, by the one thread
     * that won the aggregation's phase, after it has set the status and headers.
     *
     * @param body     the body, or {@code null} for none
     * @param delivery told when the body is handed over and when the exchange may be completed
     */
    public void send(byte[] body, Delivery delivery) {
        synchronized (this) {
            this.delivery = delivery;
            this.body = body == null ? NO_BODY : body;
        }
        progress();
    }

    /** The container's call: the first one after registration, or one after the stream said "not ready". */
    @Override
    public void onWritePossible() {
        progress();
    }

    /**
     * A failed non-blocking write: the client went away or stopped reading for the container's idle timeout. Usually
     * the write is still pending, and this finishes the exchange. On Jetty 12 it may also come after the exchange was
     * finished, for a write that failed as it was issued (see {@link #closeAfterWrite}): the answer is then only
     * reported {@linkplain Delivery#lost lost}, unless closing the stream had already reported the failure.
     */
    @Override
    public void onError(Throwable failure) {
        LOG.log(System.Logger.Level.DEBUG, "Answer not delivered: {0}", failure.toString());
        Delivery done;
        boolean finishes;
        synchronized (this) {
            if (delivery == null || failed) {
                return; // nothing sent yet (the async listener's onError ends the exchange), or reported already
            }
            failed = true;
            finishes = !finished;
            finished = true;
            done = delivery;
        }
        IOException io = failure instanceof IOException e ? e : new IOException(failure);
        if (finishes) {
            done.finished(io);
        } else {
            done.lost(io);
        }
    }

    /**
     * Closes the stream once the whole body is taken, which surfaces a write that failed as it was issued. Jetty 12 then
     * still says {@code isReady()}, and hands the failure to a container thread that calls {@link #onError} — unless
     * the exchange is completed first; before that thread takes it, {@code close()} throws it (a client resetting the
     * connection mid-answer, for instance). Between the two, every such failure is reported, once. Closing a stream
     * whose body is complete writes nothing more, on Tomcat as on Jetty.
     *
     * @return the write's failure, or {@code null}
     */
    private IOException closeAfterWrite() {
        try {
            out.close();
            return null;
        } catch (IOException e) {
            return e;
        } catch (RuntimeException e) {
            return new IOException(e);
        }
    }

    private void progress() {
        Delivery wrote = null;
        Delivery done = null;
        IOException failure = null;
        synchronized (this) {
            if (body == null || finished) {
                return; // nothing to write yet (the container's first call), or all done
            }
            if (!written) {
                if (body.length > 0 && !out.isReady()) {
                    return; // the container calls onWritePossible once it is ready
                }
                written = true; // before the write: a container that called back on this thread finds it done
                wrote = delivery;
                try {
                    if (body.length > 0) {
                        out.write(body);
                    }
                } catch (IOException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    failure = new IOException(e); // e.g. a stream already closed by a failure: the client is gone
                }
                body = NO_BODY; // the container holds what it still needs
            }
            // Asked after the write only: "not ready" means part of the body is still pending, and the container will
            // call onWritePossible once it has gone.
            if (failure != null || out.isReady()) {
                if (failure == null) {
                    failure = closeAfterWrite();
                }
                finished = true;
                failed = failure != null;
                done = delivery;
            }
        }
        // The bookkeeping of how the answer left must never cost the exchange its completion: a throw there would
        // leave the cycle open for good (no async timeout, and Jetty does not time out an idle async wait). Nor may it
        // reach the container: from onWritePossible, Jetty would report it to onError, which would count a delivered
        // answer lost, or complete while the write is still pending.
        if (wrote != null) {
            try {
                wrote.handedOver(failure);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Recording how an answer left failed", e);
            }
        }
        if (done != null) {
            done.finished(failure);
        }
    }
}
