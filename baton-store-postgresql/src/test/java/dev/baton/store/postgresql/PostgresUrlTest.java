package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.BatonException;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresUrlTest {
  private final PostgresStoreProvider provider = new PostgresStoreProvider(name -> null);

  @Test
  void postgresqlPostgresAndJdbcUrlsAreAcceptedAndOthersAreNot() {
    assertThat(provider.accepts("postgresql://baton@db:5432/baton")).isTrue();
    assertThat(provider.accepts("postgres://baton@db/baton")).isTrue();
    assertThat(provider.accepts("jdbc:postgresql://db:5432/baton?user=baton")).isTrue();
    assertThat(provider.accepts("sqlite:/var/lib/baton/g.db")).isFalse();
    assertThat(provider.accepts("zookeeper://h1:2181/baton")).isFalse();
    assertThat(Stores.find("postgresql://baton@db/baton")).containsInstanceOf(PostgresStoreProvider.class);
  }

  @Test
  void aWellFormedUrlParsesIntoUserPasswordHostsDatabaseAndDriverParameters() {
    PostgresUrl url = PostgresUrl.parse("postgresql://app%40ops:s3cr%3At@db1:6432,[::1]/billing?sslmode=require");

    assertThat(url.user()).isEqualTo("app@ops");
    assertThat(url.password()).isEqualTo("s3cr:t");
    assertThat(url.hosts()).containsExactly(new PostgresUrl.Host("db1", 6432), new PostgresUrl.Host("::1", 5432));
    assertThat(url.database()).isEqualTo("billing");
    assertThat(url.params()).isEqualTo(Map.of("sslmode", "require"));
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:6432,[::1]:5432/billing");
    assertThat(provider.problems("jdbc:postgresql://db/billing?user=app&password=x")).isEmpty();
    assertThat(PostgresUrl.parse("jdbc:postgresql://db/billing?user=app&password=x").password()).isEqualTo("x");
  }

  @Test
  void badUrlsGetOneClearProblemEachThatEchoesTheUrlAndSaysWhatIsExpected() {
    assertThat(provider.problems("postgresql://baton@/baton"))
        .containsExactly("store URL \"postgresql://baton@/baton\" has no host; " + PostgresUrl.EXPECTED);
    assertThat(provider.problems("postgresql://baton@db:54x2/baton")).singleElement().asString()
        .contains("\"postgresql://baton@db:54x2/baton\"", "port \"54x2\"", "1 to 65535");
    assertThat(provider.problems("postgresql://baton@db:70000/baton")).singleElement().asString()
        .contains("port \"70000\"");
    assertThat(provider.problems("postgresql://baton@db:5432")).singleElement().asString()
        .contains("names no database", PostgresUrl.EXPECTED);
    assertThat(provider.problems("postgresql://baton@db:5432/")).singleElement().asString()
        .contains("names no database");
    assertThat(provider.problems("postgresql://db:5432/baton")).singleElement().asString()
        .contains("names no user");
    assertThat(provider.problems("postgresql://baton@db/baton?sslmod=require")).singleElement().asString()
        .contains("parameter \"sslmod\"", "does not know");
    assertThat(provider.problems("postgresql://baton@db/baton?verbose")).singleElement().asString()
        .contains("malformed parameter \"verbose\"", "name=value");
    assertThat(provider.problems("postgresql://")).hasSize(3);
  }

  @Test
  void problemsAndMessagesNeverShowThePassword() {
    List<String> problems = provider.problems("postgresql://baton:hunter2@db:99999/baton");
    assertThat(problems).singleElement().asString().contains("baton:***@db").doesNotContain("hunter2");
    assertThat(provider.problems("postgresql://db/baton?password=hunter2")).singleElement().asString()
        .contains("password=***").doesNotContain("hunter2");
    assertThat(PostgresUrl.parse("postgresql://baton:hunter2@db/baton").toString()).doesNotContain("hunter2");
  }

  @Test
  void openingABadUrlThroughStoresFailsWithItsProblemsAndOpensNothing() {
    assertThatThrownBy(() -> Stores.open(new StoreOptions("postgresql://baton@db:0/baton",
        GroupName.of("g"), Duration.ofMillis(250), Duration.ofSeconds(1),
        Duration.ofMillis(500), null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("port \"0\"");
  }

  @Test
  void missingServerBinariesFailWithAMessageSayingHowToInstallThem(@TempDir Path empty) {
    assertThatThrownBy(() -> LocalPostgres.findBinaries(null, Optional.of(empty.resolve("nothing")), empty))
        .isInstanceOf(BatonException.class)
        .hasMessageContaining("initdb")
        .hasMessageContaining("apt-get install postgresql");
  }

  @Test
  void groupChannelsAreReadableWhenTheyFitAndDistinctWhenHashed() {
    String longA = "a".repeat(60) + "-x";
    String longB = "a".repeat(60) + "-y";
    assertThat(PostgresStore.channel(GroupName.of("billing"))).isEqualTo("baton.billing");
    String channelA = PostgresStore.channel(GroupName.of(longA));
    assertThat(channelA).hasSizeLessThanOrEqualTo(63)
        .isNotEqualTo(PostgresStore.channel(GroupName.of(longB)));
  }
}
