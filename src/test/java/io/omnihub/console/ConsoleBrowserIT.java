package io.omnihub.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
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
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real headless Chromium (Debian's chromium and chromium-driver, installed by
 * scripts/install-browser.sh during the build): sign in, watch an order arrive live and open it, replay failures,
 * and a viewer who may look but not replay. Screenshots of every page go to target/screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT extends HubIntegrationTest {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @Autowired
    DeadLetters deadLetters;
    @Autowired
    ObjectMapper mapper;

    WebDriver driver;
    WebDriverWait wait;
    Path profile;

    @BeforeAll
    void startBrowser() throws Exception {
        assumeTrue(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
                "chromium and chromium-driver are installed by scripts/install-browser.sh");
        // never let Selenium Manager look for (or download) a driver or a browser
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        profile = Files.createTempDirectory("omnihub-chromium-");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run", "--window-size=1440,1000",
                "--user-data-dir=" + profile);
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(20));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stopBrowser() {
        if (driver != null) {
            driver.quit();
        }
    }

    void screenshot(String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    WebElement visible(By by) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** The live page may redraw a table between finding an element and using it: find it again then. */
    void click(By by) {
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(by).click();
            return true;
        });
    }

    String textOf(By by) {
        return wait.ignoring(StaleElementReferenceException.class).until(d -> d.findElement(by).getText());
    }

    void signIn(String user) throws Exception {
        driver.get(baseUrl() + "/");
        wait.until(ExpectedConditions.urlContains("/login"));
        visible(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(user);
        screenshot("login");
        driver.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.textToBe(By.id("user-name"), user));
    }

    String postOrder(String sku) throws Exception {
        var response = Signed.storefront(baseUrl() + "/webhooks/web/orders", "web-demo-secret",
                ConsoleApiIT.storefrontOrder("browser-" + UUID.randomUUID(), sku, 2));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return mapper.readTree(response.body()).get("orderId").asText();
    }

    @Test
    @Order(1)
    void shouldSignInSeeANewOrderArriveLiveAndOpenItsDecisionAndTimeline() throws Exception {
        signIn("operator");
        assertThat(textOf(By.id("user-role"))).isEqualTo("operator");

        driver.findElement(By.id("nav-orders")).click();
        visible(By.id("orders-table"));
        wait.until(ExpectedConditions.attributeContains(By.id("live"), "class", "on"));
        ((JavascriptExecutor) driver).executeScript("window.__noReload = 'still here';");

        String sku = TestData.sku(jdbc, "WH-NJ1", 5, "ST-MAN", 2);
        String orderId = postOrder(sku);

        By row = By.cssSelector("tr[data-order-id='" + orderId + "']");
        visible(row);
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__noReload;"))
                .as("the order appeared without a page reload").isEqualTo("still here");
        assertThat(textOf(row)).contains("web");
        screenshot("orders");

        click(row);
        visible(By.id("order-detail"));
        assertThat(textOf(By.cssSelector("#order-detail h1"))).contains(orderId);
        assertThat(textOf(By.id("order-lines"))).contains(sku);
        visible(By.cssSelector("#timeline li[data-kind='RECEIVED']"));
        assertThat(textOf(By.cssSelector("#timeline li[data-kind='RECEIVED']"))).containsIgnoringCase("received");
        boolean routed = Boolean.TRUE.equals(jdbc.queryForObject("select decision is not null from orders where id = :id",
                new MapSqlParameterSource("id", orderId), Boolean.class));
        if (routed) {
            // with the router merged: the decision is told in sentences
            visible(By.cssSelector("#decision-sentences li"));
            assertThat(textOf(By.cssSelector("#decision-sentences li"))).isNotBlank();
        } else {
            assertThat(textOf(By.id("decision"))).contains("Not routed yet");
        }
        screenshot("order-detail");

        click(By.id("cancel-order"));
        var prompt = wait.until(ExpectedConditions.alertIsPresent());
        prompt.sendKeys("customer called");
        prompt.accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#order-detail h1"), "CANCELLED"));
        visible(By.cssSelector("#timeline li[data-kind='CANCELLED']"));
        assertThat(textOf(By.cssSelector("#timeline li[data-kind='CANCELLED']"))).contains("customer called");
        assertThat(driver.findElements(By.id("cancel-order"))).as("a cancelled order cannot be cancelled again").isEmpty();

        driver.findElement(By.id("nav-inventory")).click();
        visible(By.id("sku-search")).sendKeys(sku);
        wait.until(ExpectedConditions.textToBe(By.id("inventory-total"), "1 of 1 skus"));
        visible(By.cssSelector("tr[data-sku='" + sku + "']"));
        assertThat(driver.findElements(By.cssSelector("#inventory-grid tr[data-sku]"))).hasSize(1);
        screenshot("inventory");

        driver.findElement(By.id("nav-overview")).click();
        visible(By.cssSelector("#routes tr[data-route-id='web-storefront-orders']"));
        assertThat(textOf(By.cssSelector("#routes tr[data-route-id='web-storefront-orders']"))).contains("Started");
        visible(By.cssSelector("#chart-orders svg rect"));
        screenshot("overview");
    }

    @Test
    @Order(2)
    void shouldShowFailuresAndReplayThem() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String channelOrderId = "browser-replay-" + UUID.randomUUID();
        long deadLetterId = deadLetters.record("web", "web-storefront-orders", ErrorCategory.UNAVAILABLE,
                "PSQLException: connection refused", ConsoleApiIT.storefrontOrder(channelOrderId, sku, 1),
                Map.of("OmnihubChannel", "web"));
        long deliveryId = jdbc.queryForObject("""
                insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, attempts, last_error)
                values ('web', 'ATS', :sku, :sku, cast(:p as jsonb), 'DEAD', 8, 'HTTP 503 from https://shop.example/stock') returning id""",
                new MapSqlParameterSource("sku", sku).addValue("p", "{\"channel\":\"web\",\"sku\":\"" + sku + "\",\"available\":5}"),
                Long.class);

        driver.findElement(By.id("nav-failures")).click();
        By dlRow = By.cssSelector("tr[data-dead-letter-id='" + deadLetterId + "']");
        visible(dlRow);
        assertThat(textOf(dlRow)).contains("connection refused").contains("UNAVAILABLE");
        visible(By.cssSelector("tr[data-delivery-id='" + deliveryId + "']"));
        screenshot("failures");

        click(By.cssSelector("tr[data-dead-letter-id='" + deadLetterId + "'] button.replay-dead-letter"));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-dead-letter-id='" + deadLetterId + "']")));
        assertThat(textOf(By.id("toast"))).contains("replayed");
        assertThat(jdbc.queryForObject("select count(*) from orders where channel = 'web' and channel_order_id = :c",
                new MapSqlParameterSource("c", channelOrderId), Integer.class)).as("the replayed order was accepted").isEqualTo(1);

        click(By.cssSelector("tr[data-delivery-id='" + deliveryId + "'] button.replay-delivery"));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-delivery-id='" + deliveryId + "']")));
        assertThat(jdbc.queryForObject("select status from delivery where id = :id",
                new MapSqlParameterSource("id", deliveryId), String.class)).isNotEqualTo("DEAD");
        screenshot("failures-after-replay");
    }

    @Test
    @Order(3)
    void shouldLetAViewerLookButNotReplay() throws Exception {
        driver.findElement(By.cssSelector("#logout-form button")).click();
        wait.until(ExpectedConditions.urlContains("/login"));
        long id = deadLetters.record("web", "web-storefront-orders", ErrorCategory.INTERNAL, "viewer sees this", "{}", Map.of());

        signIn("viewer");
        driver.findElement(By.id("nav-failures")).click();
        By button = By.cssSelector("tr[data-dead-letter-id='" + id + "'] button.replay-dead-letter");
        visible(button);

        Boolean disabled = wait.ignoring(StaleElementReferenceException.class).until(d -> !d.findElement(button).isEnabled());
        assertThat(disabled).as("a viewer's replay button is disabled").isTrue();
        assertThat(textOf(By.id("user-role"))).isEqualTo("viewer");
        screenshot("failures-viewer");
    }
}
