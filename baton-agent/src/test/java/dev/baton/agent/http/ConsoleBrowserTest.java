package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The console at {@code /} in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, installed by .ci/run; nothing is downloaded), against real in-process
 * agents on one SQLite store: the whiteboard, a failover shown without a reload, the nodes' last
 * heartbeats, the ranking (buttons and drag and drop) and a move steered from the page, a change
 * refused without the API token and made with it. With {@code -Dconsole.screenshot=PATH} the failover test also saves
 * its mid-failover screenshot there (how docs/console.png is made).
 */
class ConsoleBrowserTest {
  static WebDriver browser;

  @TempDir Path dir;
  final List<Agent> agents = new ArrayList<>();

  @BeforeAll
  static void openBrowser() {
    for (String tool : new String[] {"/usr/bin/chromium", "/usr/bin/chromedriver"}) {
      assertThat(Path.of(tool)).as("%s is missing: install Debian's chromium and chromium-driver (.ci/run does)", tool)
          .isExecutable();
    }
    System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver"); // Selenium Manager is not asked
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,900", "--no-first-run", "--disable-extensions");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @AfterEach
  void stopAll() {
    agents.forEach(Agent::stop);
  }

  Agent start(String node) {
    Agent agent = TestNodes.agent(TestNodes.config(dir, node, "exec sleep 600"));
    agent.start();
    agents.add(agent);
    return agent;
  }

  /** A node at {@code location} providing web and db, with a lease long enough to watch a failover happen. */
  Agent startSlow(String node, String location) throws Exception {
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: billing",
        "node: {name: " + node + ", location: " + location + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 500ms, lease: 6s}",
        "state-dir: " + dir.resolve(node),
        "services:",
        "  svc: {command: [sleep, '600'], stop-timeout: 2s}",
        "  web: {command: [sleep, '600'], stop-timeout: 2s}",
        ""));
    Agent agent = TestNodes.agent(dev.baton.agent.config.ConfigLoader.load(file));
    agent.start();
    agents.add(agent);
    return agent;
  }

  static ConditionFactory soon() {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions();
  }

  static void open(Agent agent) {
    browser.get("http://" + agent.apiAddress() + "/");
    soon().until(() -> !browser.findElements(By.cssSelector("#board td.cell")).isEmpty());
    ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");
  }

  static WebElement cell(String service, String node) {
    return browser.findElement(By.cssSelector("td.cell[data-service='" + service + "'][data-node='" + node + "']"));
  }

  static boolean ownerShown(String node) {
    WebElement c = cell("svc", node);
    return c.getAttribute("class").contains("owner") && c.getText().contains("★ OWNER · PROVIDING");
  }

  static boolean notReloaded() {
    return Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"));
  }

  static String owner(Agent agent) throws Exception {
    return Http.json(Http.get(agent, "/v1/services/svc")).path("owner").asText();
  }

  @Test
  void thePageShowsTheWhiteboardAndTheNewOwnerAfterTheOwnerCrashesWithoutAReload() throws Exception {
    Agent a = startSlow("node-a", "eu/paris/rack-1");
    soon().until(() -> owner(a).equals("node-a"));
    startSlow("node-b", "eu/paris/rack-2");
    Agent c = startSlow("node-c", "eu/berlin/rack-1");
    open(c);

    soon().until(() -> ownerShown("node-a"));
    // The page redraws what changed while the test reads it: each read is retried on a stale element.
    soon().untilAsserted(() -> assertThat(cell("svc", "node-a").getText()).contains("epoch 1"));
    soon().untilAsserted(() -> assertThat(cell("svc", "node-b").getText()).containsIgnoringCase("waiting"));
    assertThat(browser.findElement(By.id("nodes")).getText()).contains("node-a", "node-b", "node-c", "alive");
    soon().until(() -> browser.findElement(By.id("events")).getText().contains("service.claimed"));
    soon().until(() -> browser.findElement(By.id("live")).getText().equals("live"));

    a.crash();
    // Mid-failover: node-a has stopped renewing and its lease runs out; the page counts down to the takeover.
    soon().until(() -> browser.findElement(By.id("board")).getText().contains("takeover in"));
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, Path.of("target", "console-failover.png"), StandardCopyOption.REPLACE_EXISTING);
    String keep = System.getProperty("console.screenshot");
    if (keep != null) {
      Files.copy(shot, Path.of(keep), StandardCopyOption.REPLACE_EXISTING);
    }

    String next = soon().until(() -> owner(c), o -> o.equals("node-b") || o.equals("node-c"));
    soon().until(() -> ownerShown(next));
    soon().untilAsserted(() -> assertThat(cell("svc", next).getText()).contains("epoch 2"));
    soon().untilAsserted(() -> assertThat(cell("svc", "node-a").getText()).containsIgnoringCase("unavailable"));
    soon().until(() -> browser.findElement(By.id("nodes")).getText().contains("lost"));
    assertThat(notReloaded()).as("the page turned over without a reload").isTrue();
  }

  @Test
  void aRankingChangedInThePageIsTheGroupsRanking() throws Exception {
    Agent a = start("node-a");
    start("node-b");
    open(a);

    Select add = new Select(browser.findElement(By.id("rank-add")));
    soon().until(() -> add.getOptions().size() == 2);
    add.selectByValue("node-a");
    browser.findElement(By.id("rank-add-btn")).click();
    soon().until(() -> new Select(browser.findElement(By.id("rank-add"))).getOptions().size() == 1);
    new Select(browser.findElement(By.id("rank-add"))).selectByValue("node-b");
    browser.findElement(By.id("rank-add-btn")).click();
    browser.findElement(By.cssSelector("#ranking button[aria-label='move node-b up']")).click();
    assertThat(browser.findElement(By.id("ranking")).getText()).startsWith("node-b");
    browser.findElement(By.id("rank-save")).click();

    soon().untilAsserted(() -> {
      JsonNode r = Http.json(Http.get(a, "/v1/services/svc/ranking"));
      assertThat(r.path("source").asText()).as("%s; the page says %s", r, browser.findElement(By.id("result")).getText())
          .isEqualTo("operator");
      assertThat(r.path("ranking").findValuesAsText("node")).containsExactly("node-b", "node-a");
    });
    soon().until(() -> browser.findElement(By.id("result")).getText().startsWith("rank svc: "));
    soon().until(() -> browser.findElement(By.id("rank-source")).getText().contains("operator"));
  }

  static String renewedShown(String node) {
    return browser.findElement(By.cssSelector("#nodes tr[data-node='" + node + "'] .renewed")).getText();
  }

  /** The seconds in "1.4 s ago", or -1 when the cell says something else. */
  static double secondsAgo(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9])?) s ago").matcher(text);
    return m.matches() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void theNodesTableShowsHowLongAgoEachNodeLastRenewedAndCountsOnWhenOneStops() throws Exception {
    Agent a = start("node-a");
    Agent b = start("node-b");
    open(a);

    // Both renew every 200 ms; the page reads every second and counts on in between.
    soon().until(() -> secondsAgo(renewedShown("node-b")) >= 0 && secondsAgo(renewedShown("node-b")) < 2);
    assertThat(secondsAgo(renewedShown("node-a"))).isBetween(0.0, 2.0);
    assertThat(browser.findElement(By.cssSelector("#nodes tr[data-node='node-b']")).getText()).contains("every 200ms");

    b.crash();
    soon().until(() -> secondsAgo(renewedShown("node-b")) > 3);
    double seen = secondsAgo(renewedShown("node-b"));
    soon().until(() -> secondsAgo(renewedShown("node-b")) >= seen + 1);
    soon().until(() -> browser.findElement(By.id("nodes")).getText().contains("lost"));
    assertThat(secondsAgo(renewedShown("node-a"))).as("node-a still renews").isBetween(0.0, 2.0);
    assertThat(notReloaded()).isTrue();
  }

  /** Drags {@code from} onto {@code to} with the mouse (chromedriver turns it into a native HTML5 drag). */
  static void drag(String from, String to) {
    new Actions(browser).dragAndDrop(ranked(from), ranked(to)).perform();
  }

  static WebElement ranked(String node) {
    return browser.findElement(By.cssSelector("#ranking li[data-node='" + node + "']"));
  }

  @Test
  void aRankingReorderedByDragInThePageIsTheGroupsRanking() throws Exception {
    Agent a = start("node-a");
    start("node-b");
    start("node-c");
    assertThat(ApiAccessTest.call(a, "PUT", "/v1/services/svc/ranking", "{\"ranking\": [\"node-a\", \"node-b\", \"node-c\"]}",
        null).statusCode()).isEqualTo(200);
    open(a);
    soon().until(() -> browser.findElement(By.id("ranking")).findElements(By.tagName("li")).size() == 3);
    assertThat(ranked("node-c").getAttribute("draggable")).isEqualTo("true");

    drag("node-c", "node-a");
    soon().until(() -> browser.findElement(By.id("ranking")).getText().startsWith("node-c"));
    assertThat(browser.findElement(By.id("rank-dirty")).isDisplayed()).as("the page says the order is not saved yet").isTrue();
    drag("node-a", "node-b");
    assertThat(browser.findElement(By.id("ranking")).findElements(By.tagName("li")))
        .extracting(li -> li.getAttribute("data-node")).containsExactly("node-c", "node-b", "node-a");
    assertThat(Http.json(Http.get(a, "/v1/services/svc/ranking")).path("ranking").findValuesAsText("node"))
        .as("nothing changes before Save").containsExactly("node-a", "node-b", "node-c");
    browser.findElement(By.id("rank-save")).click();

    soon().untilAsserted(() -> assertThat(Http.json(Http.get(a, "/v1/services/svc/ranking")).path("ranking")
        .findValuesAsText("node")).containsExactly("node-c", "node-b", "node-a"));
    soon().until(() -> browser.findElement(By.id("result")).getText().startsWith("rank svc: "));
    soon().until(() -> !browser.findElement(By.id("rank-dirty")).isDisplayed());
  }

  static final String TOKEN = "s3cret-token-of-the-console";

  static Object script(String js) {
    return ((JavascriptExecutor) browser).executeScript(js);
  }

  static boolean disabled(Agent agent) throws Exception {
    HttpResponse<String> r = ApiAccessTest.call(agent, "GET", "/v1/services/svc", null, "Bearer " + TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Http.json(r).path("state").asText().equals("disabled");
  }

  static void enterToken(String token) {
    soon().until(() -> browser.findElement(By.id("token-form")).isDisplayed());
    browser.findElement(By.id("token")).sendKeys(token + "\n");
  }

  /** Clicks Disable and accepts the page's question; returns the answer the page shows. */
  static String disableFromThePage() {
    browser.findElement(By.id("disable")).click();
    soon().until(() -> {
      browser.switchTo().alert().accept();
      return true;
    });
    soon().until(() -> browser.findElement(By.id("result")).getText().startsWith("disable svc: "));
    return browser.findElement(By.id("result")).getText();
  }

  @Test
  void withoutTheRightTokenAChangeFromThePageIsRefusedAndSaysWhyThenTheTokenMakesItWork() throws Exception {
    Files.writeString(dir.resolve("token"), TOKEN + "\n");
    Agent a = TestNodes.agent(TestNodes.config(dir, "node-a", "exec sleep 600", "", "",
        "api:\n  listen: 127.0.0.1:0\n  token-file: token"));
    a.start();
    agents.add(a);
    browser.get("http://" + a.apiAddress() + "/");

    // The page holds no data without the token: it says why (the 401's message) and asks for it.
    soon().until(() -> browser.findElement(By.id("token-form")).isDisplayed());
    assertThat(browser.findElement(By.id("token-why")).getText()).startsWith("401 this agent requires a token");
    assertThat(browser.findElement(By.id("token-form")).getText()).contains("kept for this browser tab only");
    enterToken("not-the-token");
    soon().until(() -> browser.findElement(By.id("token-why")).getText().contains("is not this agent's token"));
    enterToken(TOKEN);
    soon().until(() -> !browser.findElement(By.cssSelector("#board td.cell")).getText().isEmpty());
    script("window.notReloaded = true;");
    assertThat(script("return sessionStorage.getItem('baton.token');")).isEqualTo(TOKEN);
    assertThat(script("return localStorage.length + ' ' + document.cookie;"))
        .as("the token is kept for the tab only: nothing in localStorage, no cookie").isEqualTo("0 ");

    // Without the token, a change is refused, the page shows the agent's message, and nothing changes.
    browser.findElement(By.id("token-forget")).click();
    assertThat(script("return sessionStorage.getItem('baton.token');")).isNull();
    assertThat(disableFromThePage()).startsWith("disable svc: 401 this agent requires a token");
    assertThat(browser.findElement(By.id("result")).isDisplayed()).isTrue();
    assertThat(browser.findElement(By.id("token-form")).isDisplayed()).as("the page asks for the token").isTrue();
    assertThat(disabled(a)).isFalse();

    // With a wrong one, the same.
    enterToken("Not-the-token-either");
    assertThat(disableFromThePage()).startsWith("disable svc: 401 the token sent in the Authorization header is not this agent's token");
    assertThat(disabled(a)).isFalse();

    // With the right one, the same change goes through.
    enterToken(TOKEN);
    soon().until(() -> !browser.findElement(By.id("token-form")).isDisplayed());
    assertThat(disableFromThePage()).doesNotContain("401");
    assertThat(browser.findElement(By.id("result")).getAttribute("class")).contains("ok");
    soon().until(() -> disabled(a));
    soon().until(() -> browser.findElement(By.id("board")).getText().contains("DISABLED"));
    assertThat(notReloaded()).isTrue();
  }

  @Test
  void aMoveFromThePageMovesTheService() throws Exception {
    Agent a = start("node-a");
    soon().until(() -> owner(a).equals("node-a"));
    start("node-b");
    open(a);
    soon().until(() -> ownerShown("node-a"));

    new Select(browser.findElement(By.id("move-to"))).selectByValue("node-b");
    browser.findElement(By.id("move")).click();
    soon().until(() -> {
      browser.switchTo().alert().accept(); // the page asks before it moves a running service
      return true;
    });

    soon().until(() -> owner(a).equals("node-b"));
    soon().until(() -> ownerShown("node-b"));
    assertThat(browser.findElement(By.id("result")).getText()).startsWith("move svc to node-b: ");
    assertThat(notReloaded()).isTrue();
  }

  @Test
  void thePageSaysItsViewIsStaleWhenItsAgentIsGone() throws Exception {
    Agent a = start("node-a");
    open(a);
    assertThat(browser.findElement(By.id("stale")).isDisplayed()).isFalse();

    a.stop();
    soon().until(() -> browser.findElement(By.id("stale")).isDisplayed());
    assertThat(browser.findElement(By.id("stale")).getText()).startsWith("View stale: this agent does not answer");
    soon().until(() -> browser.findElement(By.id("live")).getText().contains("reconnecting"));
  }

  @Test
  void thePageSaysItsViewIsStaleWhenItsAgentCannotReadTheStore() throws Exception {
    // A private PostgreSQL server (as OperatorVerbsStoreTroubleTest starts one), stopped under the agent.
    Path pgDir = Files.createTempDirectory("baton-test-pg-console-");
    dev.baton.store.postgresql.LocalPostgres server = dev.baton.store.postgresql.LocalPostgres.init(pgDir);
    Thread stopOnExit = new Thread(server::close, "baton-test-pg-console-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    try {
      server.start();
      Path file = dir.resolve("node-a.yaml");
      Files.writeString(file, String.join("\n",
          "group: it",
          "node: {name: node-a}",
          "api: {listen: '127.0.0.1:0'}",
          "store: " + server.createDatabase("console"),
          "timing: {heartbeat: 200ms, lease: 1200ms}",
          "state-dir: " + dir.resolve("node-a"),
          "services:",
          "  svc: {command: [sleep, '600'], stop-timeout: 2s}",
          ""));
      Agent a = TestNodes.agent(dev.baton.agent.config.ConfigLoader.load(file));
      a.start();
      agents.add(a);
      open(a);
      soon().until(() -> ownerShown("node-a"));
      assertThat(browser.findElement(By.id("stale")).isDisplayed()).isFalse();

      server.stop();
      soon().until(() -> browser.findElement(By.id("stale")).isDisplayed());
      assertThat(browser.findElement(By.id("stale")).getText())
          .startsWith("View stale: this agent last read the store").contains("store unreachable?");

      server.start();
      soon().until(() -> !browser.findElement(By.id("stale")).isDisplayed());
    } finally {
      agents.forEach(Agent::stop);
      agents.clear();
      server.close();
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
      try (java.util.stream.Stream<Path> paths = Files.walk(pgDir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
