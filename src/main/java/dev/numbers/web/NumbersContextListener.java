package dev.numbers.web;

import dev.numbers.aggregation.AggregationContext;
import dev.numbers.aggregation.SafetyMargin;
import dev.numbers.config.InvalidSettingException;
import dev.numbers.config.Setting;
import dev.numbers.config.SettingSource;
import dev.numbers.config.Settings;
import dev.numbers.metrics.PrometheusObserver;
import dev.numbers.upstream.NameLookup;
import dev.numbers.upstream.UpstreamClient;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.Set;

/**
 * Starts the service with the web application and stops it on undeploy: reads the {@link Settings} (a malformed value
 * fails the deployment), starts the one shared {@link UpstreamClient}, creates the web application's own Prometheus
 * registry ({@link PrometheusObserver}), registers the {@code /metrics}, {@code /health} and {@code /explain}
 * servlets at their configured paths (none when a path is {@code off}) and the try-it page's
 * {@code /try-it.json}, starts the {@link ArrivalClock} and its stall watch, publishes a {@link NumbersService} for the
 * servlets, and makes {@code SIGTERM} start a {@link Drain}. Declared in {@code web.xml}.
 *
 * <p>The operational servlets are added programmatically ({@link ServletContext#addServlet}), which every Servlet
 * container allows to a listener declared in {@code web.xml}, so that their paths are settings like any other.
 */
public final class NumbersContextListener implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(NumbersContextListener.class.getName());

    /** Servlet names of the operational endpoints. */
    static final String METRICS_SERVLET = "numbers-metrics";
    static final String HEALTH_SERVLET = "numbers-health";
    static final String EXPLAIN_SERVLET = "numbers-explain";
    static final String TRY_IT_SERVLET = "numbers-try-it";

    private final NameLookup lookup;

    /** The listener {@code web.xml} declares: upstream host names are looked up by the JDK. */
    public NumbersContextListener() {
        this(InetAddress::getAllByName);
    }

    /** @param lookup the upstream client's blocking name lookup (tests: one that is slow on purpose) */
    public NumbersContextListener(NameLookup lookup) {
        this.lookup = lookup;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Settings settings = Settings.load(SettingSource.layered(context::getInitParameter));
        UpstreamClient client = UpstreamClient.create(settings, lookup);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the upstream HttpClient", e);
        }
        PrometheusObserver observer = null;
        ArrivalClock arrivals = null;
        try {
            InFlightLimiter limiter = InFlightLimiter.between(settings.minInFlight(), settings.maxInFlight(),
                    settings.budget());
            SafetyMargin margin = SafetyMargin.between(settings.safetyMargin(), settings.maxSafetyMargin());
            observer = PrometheusObserver.create(settings, limiter::inFlight, limiter::limit, margin::currentNanos,
                    client::originCount, client::connectionCount);
            // First: a setting's path that takes this fixed one fails naming the setting.
            register(context, TRY_IT_SERVLET, new TryItServlet(settings), null, TryItServlet.PATH);
            if (!settings.metricsPath().isEmpty()) {
                register(context, METRICS_SERVLET, new PrometheusMetricsServlet(observer.registry()),
                        Setting.METRICS_PATH.name(), settings.metricsPath());
            }
            if (!settings.healthPath().isEmpty()) {
                register(context, HEALTH_SERVLET, new HealthServlet(), Setting.HEALTH_PATH.name(),
                        settings.healthPath());
            }
            if (!settings.explainPath().isEmpty()) {
                ServletRegistration.Dynamic explain = register(context, EXPLAIN_SERVLET, new NumbersServlet(true),
                        Setting.EXPLAIN_PATH.name(), settings.explainPath());
                explain.setAsyncSupported(true);
                explain.setLoadOnStartup(1);
            }
            CpuHeadroom cpu = CpuHeadroom.ofThisProcess(settings.extraAttemptCpuPercent());
            AggregationContext aggregations = AggregationContext.create(settings, client, margin, observer,
                    () -> limiter.calm() && cpu.spare());
            Drain drain = Drain.of(settings, limiter::inFlight);
            arrivals = settings.pauseAwareArrival() ? ArrivalClock.pauseAware(settings.budget())
                    : ArrivalClock.entryTime();
            context.setAttribute(NumbersService.ATTRIBUTE,
                    new NumbersService(settings, client, limiter, aggregations, observer, drain, arrivals));
            drain.onSigterm();
        } catch (RuntimeException e) {
            // The deployment fails: leave no client thread and no registry behind.
            if (observer != null) {
                observer.close();
            }
            if (arrivals != null) {
                arrivals.close();
            }
            stopQuietly(client);
            throw e;
        }
        LOG.log(Level.INFO, "numbers started: {0}; {1}", settings.describe(), client.describe());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Object service = context.getAttribute(NumbersService.ATTRIBUTE);
        context.removeAttribute(NumbersService.ATTRIBUTE);
        if (service instanceof NumbersService) {
            NumbersService running = (NumbersService) service;
            running.drain().close();
            running.arrivals().close();
            // Called on a container thread, never one of the client's own, so stop() can wait for them.
            stopQuietly(running.client());
            if (running.observer() instanceof PrometheusObserver) {
                ((PrometheusObserver) running.observer()).close();
            }
            LOG.log(Level.INFO, "numbers stopped");
        }
    }

    /**
     * Maps {@code servlet} at exactly {@code path}; a path another servlet already maps (or the default servlet's
     * {@code /}) fails the deployment, naming the setting ({@code null} for a fixed path).
     */
    private static ServletRegistration.Dynamic register(ServletContext context, String name, Servlet servlet,
            String setting, String path) {
        if (path.equals("/")) {
            throw new InvalidSettingException(setting, path, "a path other than / (that would answer every URL)");
        }
        ServletRegistration.Dynamic registration = context.addServlet(name, servlet);
        if (registration == null) {
            throw new IllegalStateException("A servlet named " + name + " is already registered");
        }
        Set<String> conflicts = registration.addMapping(path);
        if (!conflicts.isEmpty() && setting == null) {
            throw new IllegalStateException("Another servlet maps " + path + ", which " + name + " needs");
        }
        if (!conflicts.isEmpty()) {
            throw new InvalidSettingException(setting, path, "a path no other servlet maps");
        }
        return registration;
    }

    private static void stopQuietly(UpstreamClient client) {
        try {
            client.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "Stopping the upstream HttpClient failed", e);
        }
    }
}
