package io.omnihub.reconciliation;

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

    @Test
    void shouldShowADriftFoundAndRepaired() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 50);
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)", new MapSqlParameterSource("sku", sku));
        int truth = 50 * 90 / 100 - 2;
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.valueOf(truth).equals(MarketplaceInventory.figure(sku)));
        MarketplaceInventory.set(Map.of(sku, 3));
        // only this sku: a whole-catalogue run would repair other tests' skus
        long id = runs.start("marketplace", List.of(sku), false, "API");

        driver.get(baseUrl() + "/");
        wait.until(ExpectedConditions.urlContains("/login"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("operator");
        driver.findElement(By.id("password")).sendKeys("operator");
        driver.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.textToBe(By.id("user-name"), "operator"));
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
        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        Files.write(shots.resolve("reconciliation.png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        assertThat(MarketplaceInventory.figure(sku)).isEqualTo(truth);
    }
}
