package io.omnihub.reconciliation;

import io.omnihub.cyclecount.CycleCounts;
import io.omnihub.delivery.MarketplaceInventory;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console's Reconciliation view in a real headless Chromium (set up as in ConsoleBrowserIT): a drift found at
 * the marketplace and repaired shows as a run with its drift, cause and repair.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconciliationBrowserIT extends HubIntegrationTest {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    @Autowired
    ReconciliationRuns runs;

    WebDriver driver;
    WebDriverWait wait;

    @BeforeAll
    void startBrowser() throws Exception {
        assumeTrue(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
                "chromium and chromium-driver are installed by scripts/install-browser.sh");
        // never let Selenium Manager look for (or download) a driver or a browser
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        Path profile = Files.createTempDirectory("omnihub-chromium-");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run", "--window-size=1440,1000",
                "--user-data-dir=" + profile);
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    @AfterAll
    void stopBrowser() {
        if (driver != null) {
            driver.quit();
        }
    }

    void signIn() {
        driver.get(baseUrl() + "/");
        wait.until(d -> d.getCurrentUrl().contains("/login") || !d.findElements(By.id("user-name")).isEmpty()
                && "operator".equals(d.findElement(By.id("user-name")).getText()));
        if (driver.getCurrentUrl().contains("/login")) {
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("operator");
            driver.findElement(By.id("password")).sendKeys("operator");
            driver.findElement(By.id("sign-in")).click();
            wait.until(ExpectedConditions.textToBe(By.id("user-name"), "operator"));
        }
    }

    @Autowired
    CycleCounts cycleCounts;

    @Test
    void shouldChartTheKpisAndShowTheRowsBehindABar() throws Exception {
        // a drift today at the marketplace (report-only), and a count at WH-NJ1 that found 2 units more than the ledger
        String sku = TestData.sku(jdbc, "WH-NJ1", 20);
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)", new MapSqlParameterSource("sku", sku));
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.valueOf(20 * 90 / 100 - 2).equals(MarketplaceInventory.figure(sku)));
        MarketplaceInventory.set(Map.of(sku, 77));
        long run = runs.start("marketplace", List.of(sku), true, "API");
        await().atMost(Duration.ofSeconds(60)).until(() -> "COMPLETED".equals(jdbc.queryForObject(
                "select status from reconciliation_run where id = :id", new MapSqlParameterSource("id", run), String.class)));
        long count = cycleCounts.request("WH-NJ1", List.of(sku), io.omnihub.inventory.CountTrigger.OPERATOR, "browser test").get(0);
        await().atMost(Duration.ofSeconds(30)).until(() -> cycleCounts.find(count).orElseThrow().status() == CycleCounts.Status.SENT);
        io.omnihub.sync.SyncTestSupport.stockEvent(kafkaBrokers, "SNAPSHOT", "WH-NJ1", sku, 22, "shelf count");
        await().atMost(Duration.ofSeconds(30)).until(() -> cycleCounts.find(count).orElseThrow().status() == CycleCounts.Status.COUNTED);
        String today = jdbc.queryForObject("select cast(cast(now() at time zone 'UTC' as date) as text)", new MapSqlParameterSource(), String.class);

        signIn();
        driver.findElement(By.id("nav-kpis")).click();
        try {
            for (String chart : List.of("kpi-accuracy", "kpi-variance", "kpi-drift", "kpi-repair")) {
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id(chart)));
            }
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the KPI view shows: " + driver.findElement(By.id("view")).getText(), e);
        }
        // the drift bar of today leads to that day's drifts, this sku among them
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector("#kpi-drift g[data-key='drift:marketplace@" + today + "']")).click();
            return true;
        });
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("kpi-rows-title"), "Drifts at marketplace on " + today));
        String driftRow = wait.ignoring(StaleElementReferenceException.class).until(d ->
                d.findElement(By.cssSelector("#kpi-rows tr[data-drift-sku='" + sku + "']")).getText());
        assertThat(driftRow).contains("77").contains("changed at channel").contains("reported");
        // the accuracy bar of WH-NJ1 leads to its counts, this one with its variance
        driver.get(baseUrl() + "/#kpis");
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector("#kpi-accuracy g[data-key='node:WH-NJ1']")).click();
            return true;
        });
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("kpi-rows-title"), "Cycle counts at WH-NJ1"));
        String countRow = wait.ignoring(StaleElementReferenceException.class).until(d ->
                d.findElement(By.cssSelector("#kpi-rows tr[data-count-id='" + count + "']")).getText());
        assertThat(countRow).contains(sku).contains("COUNTED").contains("20").contains("22").contains("outside");
        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        Files.write(shots.resolve("kpis.png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void shouldShowADriftFoundAndRepaired() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 50);
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)", new MapSqlParameterSource("sku", sku));
        int truth = 50 * 90 / 100 - 2;
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.valueOf(truth).equals(MarketplaceInventory.figure(sku)));
        MarketplaceInventory.set(Map.of(sku, 3));
        // only this sku: a whole-catalogue run would repair other tests' skus
        long id = runs.start("marketplace", List.of(sku), false, "API");

        signIn();
        driver.findElement(By.id("nav-reconciliation")).click();

        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-run-id='" + id + "']")));
        driver.get(baseUrl() + "/#reconciliation/" + id);
        By drift = By.cssSelector("#reconciliation-drifts tr[data-drift-sku='" + sku + "']");
        // the view refreshes itself every 2 s until the corrective figure has reached the marketplace
        wait.ignoring(StaleElementReferenceException.class)
                .until(d -> "true".equals(d.findElement(drift).getAttribute("data-repaired")));
        String row = wait.ignoring(StaleElementReferenceException.class).until(d -> d.findElement(drift).getText());
        assertThat(row).contains(sku).contains("3").contains(Integer.toString(truth)).contains("changed at channel").contains("repaired");
        assertThat(driver.findElement(By.id("start-reconciliation")).isEnabled()).as("an operator may start a run").isTrue();
        assertThat(new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("reconcile-channel"))).getOptions())
                .extracting(WebElement::getText).as("every channel that can be read back")
                .containsExactlyInAnyOrder("feed", "marketplace", "pos", "web");
        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        Files.write(shots.resolve("reconciliation.png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        assertThat(MarketplaceInventory.figure(sku)).isEqualTo(truth);
    }
}
