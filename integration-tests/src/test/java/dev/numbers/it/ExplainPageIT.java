package dev.numbers.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static dev.numbers.it.ContainerExtension.enc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The try-it page in a real browser: Debian's Chromium, headless, driven by its chromedriver through Selenium,
 * against the packaged WAR in the container of this execution. It opens {@code /?u=FAST&u=SLOW&u=REFUSED} (an
 * upstream answering at once, one answering after the budget, and an address the policy refuses) and checks one bar
 * per upstream with its outcome, the cutoff line and the merged numbers; that the page loaded nothing from another
 * origin and logged no error; that the form sends from the keyboard and puts the URLs in the address; and that text
 * and bars keep their contrast in the light and the dark scheme. Screenshots go to {@code target/screenshots/}.
 *
 * <p>Chromium and chromedriver are named explicitly, so Selenium Manager downloads nothing; when they are missing the
 * test fails, saying how to install them ({@code .ci/run} does).
 */
@ExtendWith(ContainerExtension.class)
class ExplainPageIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** WCAG 2.1: normal text 4.5:1, graphical objects such as the bars 3:1. */
    private static final double TEXT_CONTRAST = 4.5;
    private static final double GRAPHICS_CONTRAST = 3.0;

    private final ServletContainer container = ContainerExtension.container();
    private final FakeUpstreams up = ContainerExtension.upstreams();
    private Path profile;
    private ChromeDriverService service;
    private ChromeDriver driver;

    @BeforeEach
    void openBrowser() throws Exception {
        for (Path binary : List.of(CHROMIUM, CHROMEDRIVER)) {
            assertTrue(Files.isExecutable(binary), binary + " is missing: this test drives Debian's Chromium through "
                    + "its chromedriver. Install them with `apt-get install -y chromium chromium-driver` (.ci/run does).");
        }
        profile = Files.createTempDirectory("numbers-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // The machine may have no internet: without the background-networking switches Chromium keeps calling Google.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--window-size=1200,1250");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        Path log = ItConfig.workDir().resolve(container.name()).resolve("chromedriver.log");
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(log.toFile())
                .build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() throws Exception {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (service != null) {
                service.stop();
            }
            ServletContainer.deleteRecursively(profile);
        }
    }

    @Test
    void drawsEachUpstreamOnTheBudgetsAxisFromASharedLink() throws Exception {
        String fast = up.url("/primes");
        String slow = up.url("/slow?id=page-" + container.name());
        String refused = "http://169.254.169.254/latest/meta-data/";
        URI page = container.uri("/?u=" + enc(fast) + "&u=" + enc(slow) + "&u=" + enc(refused));
        driver.get(page.toString());

        assertEquals(Map.of(fast, "ok", slow, "late", refused, "refused"), bars(3));
        assertEquals(List.of(fast, slow, refused, ""), fieldValues(), "the form shows the link's URLs");
        assertEquals("2, 3, 5, 7, 11, 13", driver.findElement(By.id("numbers")).getText());
        WebElement cutoff = driver.findElement(By.id("cutoff-line"));
        assertTrue(cutoff.isDisplayed(), "the cutoff line is not shown");
        assertTrue(cutoff.getAttribute("aria-label").matches("cutoff \\d+\\.\\d ms"), cutoff.getAttribute("aria-label"));
        WebElement refusedBar = driver.findElement(By.cssSelector(".bar[data-outcome=\"refused\"]"));
        assertTrue(cutoff.getRect().getX() > refusedBar.getRect().getX(), "the cutoff is drawn before the refusal");
        assertEquals(3, driver.findElements(By.cssSelector("#upstream-rows tr")).size(), "the table lists each upstream");
        screenshot("explain-" + container.name());

        assertContrast("light");
        driver.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        assertContrast("dark");
        screenshot("explain-" + container.name() + "-dark");
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));

        // From the keyboard: a fourth URL, Enter in its field sends the form, and the address shares all four.
        String more = up.url("/fibo");
        driver.findElement(By.id("u4")).sendKeys(more, Keys.ENTER);
        Map<String, String> four = bars(4);
        assertEquals("ok", four.get(more), four.toString());
        assertEquals("1, 2, 3, 5, 7, 8, 11, 13, 21", driver.findElement(By.id("numbers")).getText());
        String address = driver.getCurrentUrl();
        assertTrue(address.endsWith("/?u=" + enc(fast) + "&u=" + enc(slow) + "&u=" + enc(refused) + "&u=" + enc(more)),
                address);

        assertSameOrigin(page);
        assertNoConsoleError();
    }

    /** Waits until the timeline has {@code count} bars, then maps each bar's {@code data-url} to its outcome. */
    private Map<String, String> bars(int count) {
        List<WebElement> bars = new WebDriverWait(driver, WAIT).until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector("#lanes .bar[data-outcome]"));
            return found.size() == count ? found : null;
        });
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (WebElement bar : bars) {
            outcomes.put(bar.getAttribute("data-url"), bar.getAttribute("data-outcome"));
        }
        return outcomes;
    }

    private List<String> fieldValues() {
        List<String> values = new ArrayList<>();
        for (WebElement input : driver.findElements(By.cssSelector("#url-list input[name=\"u\"]"))) {
            values.add(input.getAttribute("value"));
        }
        return values;
    }

    /** Every request of the page, the navigation included, went to the page's own origin. */
    private void assertSameOrigin(URI page) {
        @SuppressWarnings("unchecked")
        List<String> requested = (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                        + ".map(e => e.name);");
        String origin = page.getScheme() + "://" + page.getRawAuthority() + "/";
        List<String> foreign = requested.stream().filter(name -> !name.startsWith(origin)).toList();
        assertTrue(foreign.isEmpty(), "requests to another origin than " + origin + ": " + foreign);
        for (String expected : List.of("assets/explain.js", "assets/explain.css", "try-it.json", "explain?u=")) {
            assertTrue(requested.stream().anyMatch(name -> name.startsWith(origin + expected)),
                    expected + " was not requested, so the check proves little: " + requested);
        }
    }

    private void assertNoConsoleError() {
        List<LogEntry> entries = driver.manage().logs().get(LogType.BROWSER).getAll();
        List<String> errors = entries.stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogEntry::toString)
                .toList();
        assertTrue(errors.isEmpty(), "the browser's console: " + errors);
    }

    /**
     * The lowest contrast of the page's text against its background, and of each outcome's colour (the bars' and the
     * legend's) against the track and the page, in the scheme in force.
     */
    private void assertContrast(String scheme) {
        @SuppressWarnings("unchecked")
        Map<String, Object> ratios = (Map<String, Object>) ((JavascriptExecutor) driver).executeScript(String.join("\n",
                "const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);",
                "const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;",
                "  return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });",
                "  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };",
                "const ratio = (a, b) => { const x = lum(a), y = lum(b);",
                "  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };",
                "const style = e => getComputedStyle(e);",
                "const page = style(document.body).backgroundColor;",
                "const track = style(document.querySelector('.track')).backgroundColor;",
                "let text = Infinity;",
                "for (const e of document.querySelectorAll('body, .hint, .lane-outcome, caption, .summary, .mark-label')) {",
                "  text = Math.min(text, ratio(style(e).color, page)); }",
                "const send = document.getElementById('send');",
                "text = Math.min(text, ratio(style(send).color, style(send).backgroundColor));",
                "let graphics = Infinity;",
                "for (const e of document.querySelectorAll('.bar')) {",
                "  graphics = Math.min(graphics, ratio(style(e).borderTopColor, track)); }",
                "for (const e of document.querySelectorAll('.swatch')) {",
                "  graphics = Math.min(graphics, ratio(style(e).backgroundColor, page)); }",
                "return {text: text, graphics: graphics, swatches: document.querySelectorAll('.swatch').length};"));
        double text = ((Number) ratios.get("text")).doubleValue();
        double graphics = ((Number) ratios.get("graphics")).doubleValue();
        assertEquals(8L, ((Number) ratios.get("swatches")).longValue(), "the legend names every outcome");
        assertTrue(text >= TEXT_CONTRAST, scheme + " scheme: text contrast " + text);
        assertTrue(graphics >= GRAPHICS_CONTRAST, scheme + " scheme: outcome colour contrast " + graphics);
        System.out.printf("[it] %s, %s scheme: lowest contrast of text %.2f, of outcome colours %.2f%n",
                container.name(), scheme, text, graphics);
    }

    /** The whole page as {@code name}.png, and the answer alone as {@code name}-answer.png. */
    private void screenshot(String name) throws Exception {
        Path target = Files.createDirectories(Path.of(System.getProperty("it.screenshots")));
        Dimension window = driver.manage().window().getSize();
        long height = (Long) ((JavascriptExecutor) driver).executeScript(
                "return document.documentElement.scrollHeight + (window.outerHeight - window.innerHeight);");
        driver.manage().window().setSize(new Dimension(window.getWidth(), (int) Math.max(window.getHeight(), height)));
        try {
            save(driver.getScreenshotAs(OutputType.FILE).toPath(), target.resolve(name + ".png"));
            save(driver.findElement(By.id("result")).getScreenshotAs(OutputType.FILE).toPath(),
                    target.resolve(name + "-answer.png"));
        } finally {
            driver.manage().window().setSize(window);
        }
    }

    private static void save(Path screenshot, Path file) throws Exception {
        Files.copy(screenshot, file, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("[it] screenshot %s%n", file.toAbsolutePath());
    }
}
