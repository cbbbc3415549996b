package dev.numbers.aggregation;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The service-wide budget for buffered upstream bodies. Each upstream body is capped by {@code numbers.maxBodyBytes},
 * but {@code maxUrls × maxBodyBytes × maxInFlight} is far more than any heap: callers naming many large upstreams at
 * once could otherwise exhaust memory. Every buffered chunk reserves its bytes here first; a body that cannot reserve
 * is abandoned at once, like one over its own cap, and its bytes are returned when its fetch settles. So memory for
 * bodies stays bounded whatever the callers ask for.
 */
final class BodyMemory {

    private final long capacity;
    private final AtomicLong available;

    private BodyMemory(long capacity) {
        this.capacity = capacity;
        this.available = new AtomicLong(capacity);
    }

    static BodyMemory of(long capacity) {
        return new BodyMemory(capacity);
    }

    /** @return whether {@code bytes} were reserved; the caller must {@link #release} exactly what it reserved */
    boolean tryReserve(long bytes) {
        long left = available.get();
        while (left >= bytes) {
            if (available.compareAndSet(left, left - bytes)) {
                return true;
            }
            left = available.get();
        }
        return false;
    }

    void release(long bytes) {
        available.addAndGet(bytes);
    }

    /** @return bytes reserved now */
    long inUse() {
        return capacity - available.get();
    }

    long capacity() {
        return capacity;
    }
}
