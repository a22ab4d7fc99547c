package dev.baton.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreProviderTest {
  private final SqliteStoreProvider provider = new SqliteStoreProvider();

  @TempDir
  Path dir;

  @Test
  void theProviderIsFoundBySchemeThroughTheServiceLoader() {
    assertThat(Stores.find("sqlite:/var/lib/baton/billing.db")).get().isInstanceOf(SqliteStoreProvider.class);
    assertThat(provider.accepts("postgresql://u@h:5432/db")).isFalse();
  }

  @Test
  void aGoodUrlInAnExistingDirectoryHasNoProblemsAndSaysANewGroupWillBeCreated() throws Exception {
    String url = "sqlite:" + dir.resolve("baton.db");
    assertThat(provider.problems(url)).isEmpty();
    assertThat(Stores.notice(url)).get().asString().contains("does not exist yet", "a new group");
    Files.createFile(dir.resolve("baton.db"));
    assertThat(Stores.notice(url)).get().asString().contains("is empty", "a new group");
  }

  @Test
  void aMissingDirectoryMakesTheStoreUnusableAndIsNotCreated() {
    String url = "sqlite:" + dir.resolve("a/b/baton.db");
    assertThat(provider.problems(url)).as("the URL itself is fine").isEmpty();
    assertThat(Stores.unusable(url)).get().asString()
        .contains("the directory " + dir.resolve("a/b") + " of the SQLite store does not exist");
    assertThatThrownBy(() -> Stores.open(new StoreOptions(url, GroupName.of("g"), Duration.ofMillis(250),
        Duration.ofSeconds(1), Duration.ofSeconds(1), null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("does not exist");
    assertThat(dir.resolve("a")).doesNotExist();
  }

  @Test
  void aUrlOfAnotherSchemeIsNamedAsNotSqlite() {
    assertThat(provider.problems("postgresql://u@h/db")).singleElement().asString()
        .contains("\"postgresql://u@h/db\"", "not a SQLite URL", "expected sqlite:/");
  }

  @Test
  void aUrlWithoutAPathSaysThePathIsMissing() {
    assertThat(provider.problems("sqlite:")).singleElement().asString()
        .contains("\"sqlite:\"", "no file path", "expected sqlite:/");
  }

  @Test
  void aRelativePathIsRefusedAndEchoed() {
    assertThat(provider.problems("sqlite:data/baton.db")).singleElement().asString()
        .contains("relative path \"data/baton.db\"", "expected sqlite:/");
  }

  @Test
  void aUrlWithAHostPartOrParametersIsRefused() {
    assertThat(provider.problems("sqlite://host/baton.db")).singleElement().asString()
        .contains("\"sqlite://host/baton.db\"", "one slash");
    assertThat(provider.problems("sqlite:" + dir.resolve("baton.db") + "?mode=ro")).singleElement()
        .asString().contains("without parameters");
  }

  @Test
  void aDirectoryIsRefusedWithAFileNameSuggested() {
    assertThat(provider.problems("sqlite:" + dir)).singleElement().asString()
        .contains("names the directory " + dir, "sqlite:" + dir.resolve("baton.db"));
    assertThat(provider.problems("sqlite:" + dir + "/")).singleElement().asString()
        .contains("names a directory");
  }

  @Test
  void aParentThatIsAFileIsExplained() throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    String url = "sqlite:" + file.resolve("baton.db");
    assertThat(provider.problems(url)).singleElement().asString()
        .contains("\"" + url + "\"", "names a file in " + file + ", which is not a directory");
  }

  @Test
  void openingABadUrlThrowsWithEveryProblemAndCreatesNothing() {
    Path target = dir.resolve("never");
    String url = "sqlite:" + target + "/";
    assertThatThrownBy(() -> Stores.open(new StoreOptions(url, GroupName.of("g"), Duration.ofMillis(250),
        Duration.ofSeconds(1), Duration.ofMillis(500), null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(url);
    assertThat(target).doesNotExist();
  }
}
