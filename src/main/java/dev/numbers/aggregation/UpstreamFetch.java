package dev.numbers.aggregation;

import dev.numbers.metrics.AggregationObserver;
import dev.numbers.metrics.AttemptKind;
import dev.numbers.metrics.UpstreamOutcome;
import dev.numbers.upstream.NumbersBodyParser;
import dev.numbers.upstream.OriginLatencies;
import dev.numbers.upstream.TooManyOriginsException;
import dev.numbers.upstream.UpstreamClient;
import dev.numbers.upstream.policy.AddressRefusedException;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.AbstractResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.URIUtil;

/**
 * One attempt of an {@link Upstream}, one request: sends it, buffers a capped body, maps how it ended to an
 * {@link UpstreamOutcome} and hands the outcome (and, for {@code OK}, the parsed numbers) to its upstream exactly once,
 * with what the upstream needs to decide on a retry ({@link #retryable()}) and to learn the origin's latency
 * ({@link #latencySample()}).
 *
 * <p>Jetty's {@code HttpClient} calls {@link #onComplete(Result)} exactly once per request, whether it succeeded,
 * failed, timed out or was aborted; that call is the single place where this fetch settles. The other callbacks run
 * before it, one at a time, on the thread reading the response, so the fields they share need no synchronization
 * (a large body's parse continues on a pool thread, after the hand-over, which orders it after them).
 */
final class UpstreamFetch extends AbstractResponseListener {

    /**
     * The smallest buffer the body is copied into, where Jetty's {@code BufferingResponseListener} starts at 16 KiB
     * for every response, most of them a few dozen bytes. A body is copied out of the network buffers into buffers of
     * {@code max(this, chunk)} bytes, never retained, so a slow body pins no pooled buffer.
     */
    private static final int MIN_BODY_BUFFER_BYTES = 512;
    /**
     * Bodies up to this size (about a thousand numbers) are parsed on the selector thread that read them: the ones the
     * parser decodes at once, cheaply. See docs/design.md#large-payloads.
     */
    static final int PARSE_IN_PLACE_BYTES = NumbersBodyParser.DECODE_AT_ONCE_BYTES;

    /** The stages of a request on its way into Jetty's destination queue (see {@link #abandon}). */
    private static final int NEW = 0;
    private static final int SENDING = 1;
    private static final int QUEUED = 2;
    /** Abandoned before {@link #send}: it is never sent. */
    private static final int DROPPED = 3;
    /** Abandoned while {@link #send} was queueing it: {@link #queued()} aborts it once it is in the queue. */
    private static final int ABORT_WHEN_QUEUED = 4;

    private final Upstream owner;
    private final AttemptKind kind;
    private final AggregationObserver observer;
    private final URI uri;
    private final long maxBodyBytes;
    private final BodyMemory memory;
    private final NumbersBodyParser parser;
    private final Request request;
    /** The address policy's refusal of this URL's host, when it is an IP literal judged before sending; else null. */
    private final AddressRefusedException refusedLiteral;
    private final Executor executor;
    /** Set on the thread that writes the request to a connection, i.e. once it has left the destination's queue. */
    private volatile boolean sent;
    /**
     * Where the request is on its way into Jetty's destination queue, for {@link #abandon}: {@link #NEW},
     * {@link #SENDING}, {@link #QUEUED}, or abandoned before it was queued ({@link #DROPPED}, {@link #ABORT_WHEN_QUEUED}).
     */
    private final AtomicInteger stage = new AtomicInteger(NEW);
    /** Written before the stage moves to {@link #ABORT_WHEN_QUEUED}, read after. */
    private volatile Throwable abandonCause;
    private long received;
    /** Bytes reserved in {@link #memory} for this body; returned when the fetch settles. */
    private long reserved;
    private boolean tooLarge;
    /** Set when the response's status line has been read (on the reading thread; read where the fetch ends). */
    private volatile boolean responseBegun;
    /** Set where the fetch ends, before its upstream hears of it: see {@link #retryable()}. */
    private boolean retryable;
    /** Set where the fetch ends, before its upstream hears of it: see {@link #latencySample()}. */
    private long latencySample = -1;
    /** This attempt's record: made by {@link #send} before anything can end it, read by the answer's writer. */
    private volatile Attempt record;

    /**
     * Set when the answer was written without this fetch while its request was already sent ({@link #abandon} with
     * the grace): the rest of its body is drained for the connection's sake, not kept, and it is not parsed.
     */
    private volatile boolean discarding;
    private final RetainableByteBuffer.Mutable accumulator;

    private UpstreamFetch(Upstream owner, AttemptKind kind, AggregationContext shared, URI uri,
            RetainableByteBuffer.Mutable accumulator) {
        super(accumulator);
        this.accumulator = accumulator;
        this.owner = owner;
        this.kind = kind;
        this.observer = shared.observer();
        UpstreamClient client = shared.client();
        this.uri = uri;
        this.maxBodyBytes = shared.settings().maxBodyBytes();
        this.memory = shared.bodies();
        this.parser = shared.parser();
        HttpField host = hostField(uri);
        HttpClient http = client.httpClient();
        this.executor = http.getExecutor();
        this.request = http.newRequest(uri).method(HttpMethod.GET).headers(headers -> headers.put(host));
        this.refusedLiteral = client.refusalOfLiteral(uri.getHost());
    }

    /**
     * The {@code Host} header for {@code uri}, as Jetty's destination writes it: the host, bracketed when it is an
     * IPv6 literal, and the port unless it is the scheme's default; never user information. Set here because
     * without it Jetty 12.1's {@code HttpConnection.normalizeRequest} builds the header from
     * {@code request.getURI()}, which parses the request's URI twice more and keeps a second {@code URI} with every
     * upstream request in flight.
     */
    static HttpField hostField(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = HostPort.normalizeHost(uri.getHost());
        int port = uri.getPort();
        boolean defaultPort = port == -1 || port == URIUtil.getDefaultPortForScheme(scheme);
        return new HttpField(HttpHeader.HOST, defaultPort ? host : host + ":" + port);
    }

    static UpstreamFetch prepare(Upstream owner, AggregationContext shared, URI uri, AttemptKind kind) {
        return new UpstreamFetch(owner, kind, shared, uri,
                new RetainableByteBuffer.DynamicCapacity(ByteBufferPool.NON_POOLING, false,
                        shared.settings().maxBodyBytes(), MIN_BODY_BUFFER_BYTES, Integer.MAX_VALUE));
    }

    /**
     * Sends the request with a total timeout, so that even an abandoned upstream is given up soon after the budget.
     *
     * @param timeoutMillis the time left until the budget ends, plus the abandon grace
     */
    void send(long timeoutMillis) {
        record = new Attempt(kind, System.nanoTime());
        if (!stage.compareAndSet(NEW, SENDING)) {
            // The answer left while the fan-out was still sending, and abandoned this one first: it is never sent,
            // and settles here, once, as left out.
            owner.trace(kind.label() + " attempt abandoned before it was sent");
            ended(UpstreamOutcome.LATE, null, null);
            return;
        }
        if (refusedLiteral != null) {
            // An IP literal the address policy refuses fails here, as the resolver would fail it, but without
            // becoming one of the client's destinations: callers choose the origins.
            owner.trace("refused: " + refusedLiteral.getMessage());
            ended(UpstreamOutcome.REFUSED, null, null);
            return;
        }
        observer.attemptStarted(kind);
        request.onRequestQueued(r -> queued())
                .onRequestBegin(r -> sent = true)
                .timeout(Math.max(1, timeoutMillis), TimeUnit.MILLISECONDS)
                .send(this);
    }

    /** Jetty has put the request's exchange in its destination's queue (on the thread that called {@link #send}). */
    private void queued() {
        if (!stage.compareAndSet(SENDING, QUEUED) && stage.compareAndSet(ABORT_WHEN_QUEUED, QUEUED)) {
            request.abort(abandonCause);
        }
    }

    /**
     * Gives the request up once the answer has been written without it. A request still waiting for a connection is
     * aborted at once (that costs nothing); one already sent is left to finish within its total timeout, so that its
     * kept-alive connection goes back to the pool instead of being closed, which aborting an HTTP/1.1 exchange in
     * the middle must do. Its result is ignored: the rest of its body is drained, not buffered, what it had buffered
     * is freed (with its share of {@code numbers.maxBufferedBytes}, which live fetches need) at its next bytes or its
     * end, and it is not parsed. See {@code numbers.abandonGrace}.
     *
     * <p>Jetty loses an abort that comes before the request's exchange is in the destination's queue: the request is
     * marked aborted, the exchange is queued anyway, and if the destination never gets a connection (a refused
     * address, an upstream that refuses connections) nothing takes it out again — Jetty's own failure and timeout
     * aborts find the request already aborted and do nothing. The exchange, this fetch and its aggregation would then
     * stay in memory for good, with the destination. So a request not yet sent is never sent, and one being queued is
     * aborted by {@link #queued()} once it is. See docs/design.md#upstream-connections.
     */
    void abandon(Throwable cause, boolean keepSentRequests) {
        if (keepSentRequests && sent) {
            discarding = true;
            return;
        }
        abandonCause = cause;
        while (true) {
            int current = stage.get();
            if (current == NEW && stage.compareAndSet(NEW, DROPPED)) {
                return;
            }
            if (current == SENDING && stage.compareAndSet(SENDING, ABORT_WHEN_QUEUED)) {
                return;
            }
            if (current == QUEUED) {
                request.abort(cause);
                return;
            }
            if (current == DROPPED || current == ABORT_WHEN_QUEUED) {
                return; // abandoned already
            }
        }
    }

    AttemptKind kind() {
        return kind;
    }

    Request request() {
        return request;
    }

    /** @return when the request was sent; once {@link #send} has begun */
    long sentNanos() {
        return record.startNanos();
    }

    /** @return this attempt's record; {@code null} until {@link #send} has begun */
    Attempt record() {
        return record;
    }

    /**
     * @return whether the upstream may be asked again after this attempt: it answered {@code 502}, {@code 503} or
     *         {@code 504}, or its connection was refused, or reset or closed before the response's status line. Never
     *         after another status, a body that breaks the contract (that is the upstream's answer), the address
     *         policy's refusal, a failed name lookup or TLS handshake, a full queue, or a timeout.
     */
    boolean retryable() {
        return retryable;
    }

    /**
     * @return what this attempt says about its origin's latency: nanoseconds from sending until a {@code 2xx}
     *         response ended (used or not); {@link OriginLatencies#MISSED} when it was still unanswered at the
     *         deadline or its own timeout; {@code -1} when it says nothing (a failure, or abandoned because another
     *         attempt won)
     */
    long latencySample() {
        return latencySample;
    }

    /**
     * Records the attempt's end (its record's outcome is published by its upstream, which decides what the end means)
     * and tells its upstream; the one place a fetch ends.
     *
     * @param result how the request ended, {@code null} when it was never sent
     */
    private void ended(UpstreamOutcome outcome, long[] numbers, Result result) {
        Response response = result == null ? null : result.getResponse();
        record.ended(System.nanoTime(), response == null ? 0 : response.getStatus());
        if (result != null) {
            learnLatency(result, outcome);
        }
        owner.attemptEnded(this, outcome, numbers);
    }

    @Override
    public void onBegin(Response response) {
        responseBegun = true;
    }

    @Override
    public void onHeaders(Response response) {
        long length = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (length > maxBodyBytes) {
            abortTooLarge(response);
            return;
        }
        if (isSuccess(response.getStatus())) {
            super.onHeaders(response);
        }
    }

    @Override
    public void onContent(Response response, Content.Chunk chunk, Runnable demander) throws Exception {
        received += chunk.remaining();
        if (received > maxBodyBytes) {
            abortTooLarge(response);
            return;
        }
        if (discarding) {
            discardBody();
            demander.run();
            return;
        }
        if (isSuccess(response.getStatus())) {
            if (!memory.tryReserve(chunk.remaining())) {
                // The service-wide body budget is spent: abandon this body like one over its own cap.
                abortTooLarge(response);
                return;
            }
            reserved += chunk.remaining();
            super.onContent(response, chunk, demander);
        } else {
            // An error body is drained (so the connection can be reused) but never buffered.
            demander.run();
        }
    }

    /**
     * Runs on the HttpClient's selector thread (its transport is {@code NON_BLOCKING}, see {@link UpstreamClient}),
     * which must never be held up: a body of up to {@value #PARSE_IN_PLACE_BYTES} bytes is parsed here (microseconds),
     * a larger one on a pool thread, so that parsing it never delays the other upstreams' responses.
     */
    @Override
    public void onComplete(Result result) {
        if (discarding) {
            // The answer left without this attempt: whatever it sent is not worth parsing, but says how long the
            // origin took.
            discardBody();
            owner.trace(kind.label() + " attempt left out, then "
                    + (result.isSucceeded() ? "ended with " + result.getResponse().getStatus() : result.getFailure()));
            ended(UpstreamOutcome.LATE, null, result);
            return;
        }
        byte[] body;
        try {
            body = result.isSucceeded() && isSuccess(result.getResponse().getStatus()) ? getContent() : null;
        } catch (OutOfMemoryError e) {
            // No room to copy the body out of its buffers: it is too large for this heap, and settles like any other
            // (and gives back its reservation), rather than leaving its aggregation waiting for it.
            tooLarge = true;
            accumulator.clear();
            settleAndRelease(new Result(result, e), null);
            return;
        }
        if (body != null && body.length > PARSE_IN_PLACE_BYTES) {
            UpstreamClient.runOnPool(executor, () -> settleAndRelease(result, body));
        } else {
            settleAndRelease(result, body);
        }
    }

    private void settleAndRelease(Result result, byte[] body) {
        try {
            settle(result, body);
        } finally {
            releaseReservation();
        }
    }

    /** Drops what was buffered of a body whose fetch was abandoned, and its reservation; on the reading thread. */
    private void discardBody() {
        accumulator.clear();
        releaseReservation();
    }

    private void releaseReservation() {
        memory.release(reserved);
        reserved = 0;
    }

    /** @param body the body of a successful response, else {@code null} */
    private void settle(Result result, byte[] body) {
        UpstreamOutcome outcome;
        long[] numbers = null;
        if (result.isSucceeded()) {
            if (body != null && discarding) {
                outcome = UpstreamOutcome.LATE; // left out while its large body waited for a pool thread: not parsed
            } else if (body != null) {
                try {
                    numbers = parser.parse(body);
                    outcome = UpstreamOutcome.OK;
                } catch (NumbersBodyParser.InvalidBodyException e) {
                    owner.trace("invalid body: " + e.getMessage());
                    outcome = UpstreamOutcome.INVALID_BODY;
                } catch (OutOfMemoryError e) {
                    // No room for its numbers: too large for this heap, like a body that could not be copied out.
                    owner.trace("too large for the heap: " + e);
                    outcome = UpstreamOutcome.TOO_LARGE;
                }
            } else {
                outcome = UpstreamOutcome.HTTP_ERROR;
                retryable = isRetryable(result.getResponse().getStatus());
            }
        } else {
            outcome = classifyFailure(result.getFailure());
            retryable = outcome == UpstreamOutcome.CONNECT_ERROR && !responseBegun
                    && refusedOrReset(result.getFailure());
            owner.trace(kind.label() + " attempt " + outcome.label() + ": " + result.getFailure());
        }
        ended(outcome, numbers, result);
    }

    /** Sets {@link #latencySample()} from how the request ended. */
    private void learnLatency(Result result, UpstreamOutcome outcome) {
        if (result.isSucceeded() && isSuccess(result.getResponse().getStatus())) {
            latencySample = record.endNanos() - record.startNanos();
        } else if (outcome == UpstreamOutcome.LATE && !causedBy(result.getFailure(), Upstream.Superseded.class)) {
            latencySample = OriginLatencies.MISSED;
        }
    }

    /**
     * A connection refused, or one reset or closed by the upstream before it answered: what a restarting upstream,
     * or one closing an idle kept-alive connection as it is reused, looks like.
     */
    private static boolean refusedOrReset(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof EOFException || t instanceof ClosedChannelException
                    || (t instanceof SocketException && String.valueOf(t.getMessage()).contains("reset"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private UpstreamOutcome classifyFailure(Throwable failure) {
        if (tooLarge) {
            return UpstreamOutcome.TOO_LARGE;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Aggregation.DeadlineExceeded || t instanceof TimeoutException
                    || t instanceof Upstream.Superseded) {
                return UpstreamOutcome.LATE;
            }
            if (t instanceof AddressRefusedException) {
                return UpstreamOutcome.REFUSED;
            }
            if (t instanceof TooManyOriginsException) {
                return UpstreamOutcome.TOO_MANY_ORIGINS; // refused before a destination was made, redirect hops too
            }
            if (t instanceof HttpResponseException) {
                return UpstreamOutcome.HTTP_ERROR; // e.g. too many redirects, a redirect loop
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return UpstreamOutcome.CONNECT_ERROR;
    }

    private void abortTooLarge(Response response) {
        tooLarge = true;
        response.abort(new BodyTooLargeException(maxBodyBytes));
    }

    /** Bad gateway, unavailable, gateway timeout: the upstream could not answer this time, not "no". */
    private static boolean isRetryable(int status) {
        return status == 502 || status == 503 || status == 504;
    }

    private static boolean isSuccess(int status) {
        return status >= 200 && status < 300;
    }

    /** The abort cause of a body over the cap; stackless, it is an expected outcome. */
    static final class BodyTooLargeException extends Exception {

        private static final long serialVersionUID = 1L;

        BodyTooLargeException(long limit) {
            super("Upstream body larger than " + limit + " bytes", null, false, false);
        }
    }
}
