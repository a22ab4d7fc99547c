package dev.baton.store.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.InvalidInputException;
import dev.baton.core.store.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ZookeeperUrlTest {

  @ParameterizedTest
  @CsvSource({
      "'zookeeper://zk1:2181,zk2:2181,zk3:2181/baton', 'zk1:2181,zk2:2181,zk3:2181', /baton",
      "'zookeeper://zk1:2181,zk2:2182', 'zk1:2181,zk2:2182', /baton",
      "'zookeeper://zk1', 'zk1:2181', /baton",
      "'zookeeper://10.0.0.1:2181/apps/billing', '10.0.0.1:2181', /apps/billing",
      "'zookeeper://[::1]:2181/baton', '[::1]:2181', /baton",
  })
  void wellFormedUrlsGiveTheEnsembleAndTheChroot(String url, String connectString, String chroot) {
    assertThat(ZookeeperUrl.problems(url)).isEmpty();
    assertThat(ZookeeperUrl.parse(url)).isEqualTo(new ZookeeperUrl(connectString, chroot));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "zookeeper:zk1:2181",
      "zookeeper://",
      "zookeeper:///baton",
      "zookeeper://zk1:2181,,zk2:2181",
      "zookeeper://zk1:2181,",
      "zookeeper://zk1:99999",
      "zookeeper://zk1:two",
      "zookeeper://-zk1:2181",
      "zookeeper://admin@zk1:2181",
      "zookeeper://zk1:2181/",
      "zookeeper://zk1:2181/a//b",
      "zookeeper://zk1:2181/a/../b",
      "zookeeper://zk1:2181/zookeeper/baton",
      "zookeeper://zk1:2181/baton?timeout=5",
  })
  void malformedUrlsGetAProblemThatEchoesThemAndSaysWhatIsExpected(String url) {
    assertThat(ZookeeperUrl.problems(url)).isNotEmpty().allSatisfy(problem -> {
      assertThat(problem).contains("\"" + url + "\"");
      assertThat(problem).containsAnyOf("expected", "choose", "give a path");
    });
    assertThatThrownBy(() -> ZookeeperUrl.parse(url)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(url);
  }

  @Test
  void everyBadServerOfAUrlIsReported() {
    assertThat(ZookeeperUrl.problems("zookeeper://zk1:0,zk2:x,zk3:2181/baton"))
        .hasSize(2)
        .anySatisfy(p -> assertThat(p).contains("server \"zk1:0\" has port \"0\""))
        .anySatisfy(p -> assertThat(p).contains("server \"zk2:x\" has port \"x\""));
  }

  @Test
  void theProviderIsFoundByItsSchemeThroughTheServiceLoader() {
    assertThat(Stores.find("zookeeper://zk1:2181/baton")).get().isInstanceOf(ZookeeperStoreProvider.class);
    assertThat(Stores.problems("zookeeper://zk1:2181/")).singleElement().asString()
        .contains("\"zookeeper://zk1:2181/\"");
    assertThat(new ZookeeperStoreProvider().accepts("sqlite:/var/lib/baton.db")).isFalse();
  }
}
