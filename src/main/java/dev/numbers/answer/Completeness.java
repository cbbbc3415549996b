package dev.numbers.answer;

/**
 * The {@code Numbers-Completeness} header of every {@code 200} answer: whether every distinct valid upstream was merged,
 * as an RFC 8941 structured-field Item, a Boolean with two Integer parameters:
 * <pre>Numbers-Completeness: ?1;merged=4;upstreams=4</pre>
 * {@code ?1} when every upstream made it (also {@code ?1;merged=0;upstreams=0} without any valid {@code u}), {@code ?0}
 * when at least one failed or was too slow. The body is the same either way. See docs/contract.md#response-headers.
 */
public final class Completeness {

    /** The header's name. */
    public static final String HEADER = "Numbers-Completeness";

    private Completeness() {
    }

    /**
     * @param merged    upstreams merged into the answer
     * @param upstreams distinct valid upstream URLs of the request
     * @return the header's value, e.g. {@code ?0;merged=3;upstreams=4}
     */
    public static String of(int merged, int upstreams) {
        return (merged == upstreams ? "?1" : "?0") + ";merged=" + merged + ";upstreams=" + upstreams;
    }
}
