package dev.numbers.upstream;

import org.eclipse.jetty.client.Origin;

/**
 * A request not sent because its origin would have been one too many for {@link OriginLimit}; stackless, an expected
 * outcome.
 */
public final class TooManyOriginsException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    TooManyOriginsException(int max, Origin origin) {
        super("Not sent: the client already keeps state for " + max + " upstream origins, and "
                + origin.asString() + " is not one of them", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
