package io.omnihub.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.delivery.ChannelStubs;
import io.omnihub.fulfillment.OrderLifecycle;
import io.omnihub.fulfillment.OrderRouting;
import io.omnihub.orders.OrderIntake;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import io.omnihub.sync.SyncTestSupport;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real headless Chromium (Debian's chromium and chromium-driver, installed by
 * scripts/install-browser.sh during the build): sign in, watch an order arrive live and open its decision, replay
 * failures, break a channel stub and see the failed delivery, fix it and replay it until it is delivered, simulate a
 * policy and read its report, compare pilot and active, see a node audit alert banner, and a viewer who may look but
 * not replay. One browser session for the whole class. Screenshots of every page go to target/screenshots/.
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
    @Autowired
    OrderIntake intake;
    @Autowired
    OrderRouting routing;
    @Autowired
    OrderLifecycle lifecycle;

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

    /**
     * The live page may redraw a table between finding an element and using it: find it again then. The element is
     * scrolled to the middle of the window first, so the sticky top bar cannot be the one that receives the click.
     */
    void click(By by) {
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement element = d.findElement(by);
            ((org.openqa.selenium.JavascriptExecutor) d).executeScript("arguments[0].scrollIntoView({block: 'center'})", element);
            element.click();
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
        // the order is certainly routed (stock at WH-NJ1 and ST-MAN): wait for it, then open it again
        await().atMost(Duration.ofSeconds(30)).until(() -> Boolean.TRUE.equals(jdbc.queryForObject(
                "select decision is not null from orders where id = :id", new MapSqlParameterSource("id", orderId), Boolean.class)));
        driver.findElement(By.id("nav-orders")).click();
        visible(row);
        click(row);
        visible(By.id("order-detail"));
        assertThat(textOf(By.cssSelector("#order-detail h1"))).contains(orderId);
        // the decision is told in sentences
        visible(By.cssSelector("#decision-sentences li.summary"));
        assertThat(driver.findElements(By.id("no-decision"))).as("no 'not routed yet' for a routed order").isEmpty();
        assertThat(textOf(By.cssSelector("#decision-sentences li"))).as("the summary leads").startsWith("Routed to");
        assertThat(textOf(By.cssSelector("#decision-sentences li.ships"))).contains(sku);
        assertThat(textOf(By.cssSelector("#decision-sentences li.policy"))).contains("routing policy version");
        visible(By.id("candidates-head"));
        assertThat(driver.findElements(By.cssSelector("#decision-sentences li.chosen"))).isNotEmpty();
        assertThat(textOf(By.id("decision-sentences"))).as("in words, not JSON").doesNotContain("{").doesNotContain("allocations");
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
        // the row can go (the list reloads) a moment before the toast says so; an earlier test's toast may still show
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("toast"), "replayed"));
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
    void shouldShowADeliveryToABrokenChannelAsFailedAndDeliverItAfterReplay() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 12);
        // the web channel answers 500 to this sku's figures only; removed in finally, so no other test meets it
        StubMapping broken = ChannelStubs.server().stubFor(post(urlEqualTo("/web/callbacks")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.data.sku", equalTo(sku)))
                .willReturn(aResponse().withStatus(500).withBody("channel down")));
        long deliveryId;
        try {
            SyncTestSupport.stockEvent(kafkaBrokers, "SALE", "WH-NJ1", sku, 2, null);
            // the test profile's backoff (50 ms doubling to 400 ms, 8 attempts) gives up within seconds
            await().atMost(Duration.ofSeconds(40)).until(() -> !jdbc.queryForList(
                    "select id from delivery where channel = 'web' and ordering_key = :k and status = 'DEAD'",
                    new MapSqlParameterSource("k", sku), Long.class).isEmpty());
            deliveryId = jdbc.queryForObject("select id from delivery where channel = 'web' and ordering_key = :k and status = 'DEAD'",
                    new MapSqlParameterSource("k", sku), Long.class);

            driver.findElement(By.id("nav-failures")).click();
            By row = By.cssSelector("tr[data-delivery-id='" + deliveryId + "']");
            visible(row);
            assertThat(textOf(row)).contains("web").contains("ATS").contains(sku).contains("500");
            screenshot("failed-delivery");
        } finally {
            ChannelStubs.server().removeStub(broken);
        }

        // the channel is fixed: replay from the console
        click(By.cssSelector("tr[data-delivery-id='" + deliveryId + "'] button.replay-delivery"));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-delivery-id='" + deliveryId + "']")));
        By replayed = By.cssSelector("#replayed-deliveries tr[data-replayed-delivery-id='" + deliveryId + "']");
        wait.ignoring(StaleElementReferenceException.class)
                .until(d -> "DELIVERED".equals(d.findElement(replayed).getAttribute("data-status")));
        assertThat(textOf(replayed)).contains("DELIVERED").contains("this one");
        screenshot("failed-delivery-replayed");

        assertThat(jdbc.queryForObject("select status from delivery where id = :id", new MapSqlParameterSource("id", deliveryId),
                String.class)).isEqualTo("DELIVERED");
        List<LoggedRequest> calls = SyncTestSupport.webFigures(sku);
        assertThat(calls).as("8 failed attempts, then the replay").hasSize(9);
        assertThat(SyncTestSupport.lastAvailable(calls)).as("the channel now has the figure").isEqualTo(10);
    }

    @Test
    @Order(4)
    void shouldSimulateAPolicyComparePilotAndActiveAndRaiseTheNodeAuditBanner() throws Exception {
        // ST-LIC rejects orders of a sku only it stocks until its rejection rate over the audit window passes the threshold
        JsonNode before = node(audit(), "ST-LIC");
        int routed = before.path("ordersRouted").asInt();
        int rejections = before.path("rejections").asInt();
        String sku = TestData.sku(jdbc, "ST-LIC", 60);
        int k = Math.max(5, (int) Math.ceil((0.2 * routed - rejections) / 0.8) + 1);
        assertThat(k).as("ST-LIC's window is small enough to push past the threshold").isLessThanOrEqualTo(40);
        for (int i = 0; i < k; i++) {
            String json = """
                    {"channelOrderId": "banner-%s", "placedAt": "2026-11-25T10:00:00Z", "currency": "USD", "fulfillmentType": "SHIP_TO_HOME",
                     "shipTo": {"city": "New York", "region": "NY", "country": "US", "latitude": 40.7484, "longitude": -73.9857},
                     "lines": [{"lineNo": 1, "sku": "%s", "quantity": 1}]}""".formatted(UUID.randomUUID(), sku);
            String id = intake.accept("web", json).orderId();
            routing.route(id, OrderRouting.NEW);
            lifecycle.reject(id, "ST-LIC", null, "picker could not reach the shelf");
        }
        assertThat(node(audit(), "ST-LIC").path("alerts").toString()).contains("REJECTION_RATE");

        driver.findElement(By.id("nav-routing")).click();
        By banner = By.cssSelector("#alert-banner .alert-item[data-node-id='ST-LIC'][data-alert='REJECTION_RATE']");
        visible(banner);
        assertThat(textOf(banner)).contains("ST-LIC").contains("rejection rate").contains("threshold of 20%");
        visible(By.cssSelector("#audit-table tr[data-node-id='ST-LIC']"));
        assertThat(textOf(By.cssSelector("#audit-table tr[data-node-id='ST-LIC']"))).contains("rejection rate");

        // pilot vs active over the last day: orders routed by the active policy are there
        visible(By.cssSelector("#pilot-table tr[data-metric='Orders']"));
        assertThat(textOf(By.id("pilot-table"))).containsIgnoringCase("Active policy").containsIgnoringCase("Pilot")
                .contains("Cost per order").contains("Split rate").contains("Average distance").contains("Unfulfillable");
        screenshot("routing");

        // a what-if simulation of the policy in force on the last hour's orders, started from the page
        String inForce = String.valueOf(jdbc.queryForObject(
                "select version from routing_policy_activation order by id desc limit 1", new MapSqlParameterSource(), Integer.class));
        new org.openqa.selenium.support.ui.Select(visible(By.id("sim-version"))).selectByValue(inForce);
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("sim-hours"))).selectByValue("1");
        click(By.id("start-simulation"));
        wait.until(ExpectedConditions.urlContains("#routing/SIM-"));
        WebDriverWait slow = new WebDriverWait(driver, Duration.ofSeconds(90));
        slow.ignoring(StaleElementReferenceException.class).until(d ->
                "DONE".equals(d.findElement(By.id("simulation-detail")).getAttribute("data-status")));
        String simId = driver.findElement(By.id("simulation-detail")).getAttribute("data-simulation-id");
        JsonNode report = mapper.readTree(jdbc.queryForObject("select report::text from routing_simulation where id = :id",
                new MapSqlParameterSource("id", simId), String.class));
        assertThat(report.path("orders").asInt()).as("the last hour holds this test's orders").isGreaterThan(0);
        assertThat(textOf(By.cssSelector("#simulation-table tr[data-metric='Orders']")))
                .contains(report.path("actual").path("orders").asText()).contains(report.path("simulated").path("orders").asText());
        assertThat(textOf(By.cssSelector("#simulation-table tr[data-metric='Unfulfillable']")))
                .contains(report.path("actual").path("unfulfillable").asText());
        assertThat(driver.findElements(By.cssSelector("#simulation-table tr[data-metric='Cost per order']"))).hasSize(1);
        assertThat(driver.findElements(By.cssSelector("#simulation-chart svg rect.bar-actual"))).isNotEmpty();
        assertThat(driver.findElements(By.cssSelector("#simulation-chart svg rect.bar-simulated"))).isNotEmpty();
        assertThat(textOf(By.cssSelector("#simulation-detail h1"))).contains(simId);
        // the fidelity line: how many recorded decisions the replay of the policies that took them reproduces
        JsonNode fidelity = report.path("fidelity");
        assertThat(fidelity.path("checked").asBoolean()).isTrue();
        assertThat(textOf(By.id("fidelity-line"))).contains("The replay reproduces " + fidelity.path("reproduced").asInt()
                + " of " + fidelity.path("decided").asInt() + " recorded decisions");
        screenshot("simulation-report");

        click(By.id("back-to-routing"));
        visible(By.cssSelector("#simulations tr[data-simulation-id='" + simId + "']"));
        assertThat(textOf(By.cssSelector("#simulations tr[data-simulation-id='" + simId + "']"))).contains("DONE")
                .contains(report.path("orders").asText() + " of " + report.path("orders").asText());
    }

    JsonNode audit() throws Exception {
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(baseUrl() + "/api/routing/audit")).header("Authorization", ConsoleApiIT.basic("viewer")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return mapper.readTree(r.body());
    }

    static JsonNode node(JsonNode audit, String id) {
        for (JsonNode n : audit.path("nodes")) {
            if (id.equals(n.path("nodeId").asText())) {
                return n;
            }
        }
        throw new AssertionError("no node " + id + " in the audit");
    }

    @Test
    @Order(10)
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
