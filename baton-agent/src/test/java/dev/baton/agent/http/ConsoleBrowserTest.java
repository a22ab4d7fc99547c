package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
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
import org.openqa.selenium.support.ui.Select;

/**
 * The console at {@code /} in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, installed by .ci/run; nothing is downloaded), against real in-process
 * agents on one SQLite store: the whiteboard, a failover shown without a reload, the ranking and a
 * move steered from the page. With {@code -Dconsole.screenshot=PATH} the failover test also saves
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
    assertThat(cell("svc", "node-a").getText()).contains("epoch 1");
    assertThat(cell("svc", "node-b").getText()).containsIgnoringCase("waiting");
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
    assertThat(cell("svc", next).getText()).contains("epoch 2");
    assertThat(cell("svc", "node-a").getText()).containsIgnoringCase("unavailable");
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
