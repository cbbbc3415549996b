package dev.numbers;

import jakarta.servlet.ServletContext;

/**
 * What one deployed web application shares across requests: its settings, its upstream client, its in-flight
 * limiter, its safety margin, its observer and its measures. Created and torn down by
 * {@link NumbersContextListener}; servlets look it up with {@link #from(ServletContext)}.
 *
 * @param settings  the effective settings
 * @param client    the shared upstream client
 * @param limiter   the in-flight limit
 * @param margin    the self-tuning safety margin, learnt from every answer
 * @param observer  receives every request's and upstream's facts
 * @param bodies    the service-wide budget for buffered upstream bodies
 * @param mergeCost the service's measure of large merges, to leave out an upstream whose merge would end after the
 *                  cutoff
 */
record NumbersService(Settings settings, UpstreamClient client, InFlightLimiter limiter, SafetyMargin margin,
        AggregationObserver observer, BodyMemory bodies, MergeCost mergeCost) {

    /** The servlet context attribute that holds the running service. */
    static final String ATTRIBUTE = NumbersService.class.getName();

    /**
     * @param context the web application's context
     * @return the service the context listener started
     * @throws IllegalStateException when the listener did not start one (a deployment error)
     */
    static NumbersService from(ServletContext context) {
        Object service = context.getAttribute(ATTRIBUTE);
        if (service instanceof NumbersService) {
            return (NumbersService) service;
        }
        throw new IllegalStateException("NumbersContextListener is not registered in web.xml");
    }
}
