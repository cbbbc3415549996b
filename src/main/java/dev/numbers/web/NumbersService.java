package dev.numbers.web;

import dev.numbers.aggregation.AggregationContext;
import dev.numbers.config.Settings;
import dev.numbers.metrics.AggregationObserver;
import dev.numbers.upstream.UpstreamClient;
import jakarta.servlet.ServletContext;

/**
 * What one deployed web application shares across requests: its settings, its upstream client, its in-flight
 * limiter, its aggregations' shared parts, its observer and its drain. Created and torn down by {@link NumbersContextListener};
 * servlets look it up with {@link #from(ServletContext)}.
 *
 * @param settings     the effective settings
 * @param client       the shared upstream client
 * @param limiter      the in-flight limit
 * @param aggregations what every aggregation shares, and where one is started
 * @param observer     receives every request's and upstream's facts
 * @param drain        whether the instance is draining before it stops
 * @param arrivals     when requests arrived, allowing for the process's pauses
 */
public record NumbersService(Settings settings, UpstreamClient client, InFlightLimiter limiter,
        AggregationContext aggregations, AggregationObserver observer, Drain drain,
        ArrivalClock arrivals) {

    /** The servlet context attribute that holds the running service. */
    static final String ATTRIBUTE = NumbersService.class.getName();

    /**
     * @param context the web application's context
     * @return the service the context listener started
     * @throws IllegalStateException when the listener did not start one (a deployment error)
     */
    public static NumbersService from(ServletContext context) {
        Object service = context.getAttribute(ATTRIBUTE);
        if (service instanceof NumbersService) {
            return (NumbersService) service;
        }
        throw new IllegalStateException("NumbersContextListener is not registered in web.xml");
    }
}
