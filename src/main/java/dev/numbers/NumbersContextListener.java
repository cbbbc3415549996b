package dev.numbers;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.lang.System.Logger.Level;

/**
 * Starts the service with the web application and stops it on undeploy: reads the {@link Settings} (a malformed value
 * fails the deployment), starts the one shared {@link UpstreamClient}, and publishes a {@link NumbersService} for the
 * servlets. Declared in {@code web.xml}.
 */
public final class NumbersContextListener implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(NumbersContextListener.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Settings settings = Settings.load(SettingSource.layered(context::getInitParameter));
        UpstreamClient client = UpstreamClient.create(settings);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the upstream HttpClient", e);
        }
        NumbersService service = new NumbersService(settings, client, InFlightLimiter.of(settings.maxInFlight()),
                AggregationObserver.NONE);
        context.setAttribute(NumbersService.ATTRIBUTE, service);
        LOG.log(Level.INFO, "numbers started: {0}; {1}", settings.describe(), client.describe());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Object service = context.getAttribute(NumbersService.ATTRIBUTE);
        context.removeAttribute(NumbersService.ATTRIBUTE);
        if (service instanceof NumbersService) {
            try {
                // Called on a container thread, never one of the client's own, so stop() can wait for them.
                ((NumbersService) service).client().stop();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "Stopping the upstream HttpClient failed", e);
            }
            LOG.log(Level.INFO, "numbers stopped");
        }
    }
}
