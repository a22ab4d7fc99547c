package dev.baton.store.pair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.InvalidInputException;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Pair store URLs: what a member's and a client's mean, and every kind of bad one. */
class PairUrlTest {

  @Test
  void aMembersUrlCarriesItsPairSection() {
    PairUrl url = PairUrl.parse("pair://10.0.0.2:7400?listen=0.0.0.0:7400&interval=100ms&threshold=7"
        + "&key-file=/etc/baton/pair.key&data=/var/lib/baton/a/pair-state.json&witness=sqlite:/mnt/w.db&role=backup");

    assertThat(url.member()).isTrue();
    assertThat(PairUrl.show(url.members().get(0))).isEqualTo("10.0.0.2:7400");
    assertThat(PairUrl.show(url.listen())).isEqualTo("0.0.0.0:7400");
    assertThat(url.silence()).isEqualTo(Duration.ofMillis(700));
    assertThat(url.keyFile()).isEqualTo(Path.of("/etc/baton/pair.key"));
    assertThat(url.witness()).isEqualTo("sqlite:/mnt/w.db");
    assertThat(url.backup()).isTrue();
  }

  @Test
  void aClientsUrlNamesTheMembersAndTheKey() {
    PairUrl url = PairUrl.parse("pair://10.0.0.1:7400,10.0.0.2:7400?key-file=/k");

    assertThat(url.member()).isFalse();
    assertThat(url.members()).hasSize(2);
    assertThat(url.silence()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void everyProblemIsNamed() {
    assertThat(Stores.problems("pair://10.0.0.2?listen=0.0.0.0:99999&threshold=2&interval=1h&witness=pair://x:1"
        + "&role=primary&colour=blue"))
        .anySatisfy(p -> assertThat(p).contains("pair store parameter \"colour\" is unknown"))
        .anySatisfy(p -> assertThat(p).contains("the peer address \"10.0.0.2\" is not HOST:PORT"))
        .anySatisfy(p -> assertThat(p).contains("pair.listen \"0.0.0.0:99999\" has no port from 1 to 65535"))
        .anySatisfy(p -> assertThat(p).contains("pair.threshold \"2\" is not a whole number from 3 to 100"))
        .anySatisfy(p -> assertThat(p).contains("pair.interval 1h is outside 10ms to 10s"))
        .anySatisfy(p -> assertThat(p).contains("a pair needs pair.key-file"))
        .anySatisfy(p -> assertThat(p).contains("pair.witness \"pair://x:1\" is not the URL of a store of another kind"))
        .anySatisfy(p -> assertThat(p).contains("pair.role \"primary\" is neither live nor backup"));
  }

  @Test
  void aMemberNamesOnePeerAndAClientSetsOnlyTheKey() {
    assertThat(Stores.problems("pair://a:1,b:2?listen=c:3&key-file=/k"))
        .containsExactly("a pair member names exactly one peer in its store URL (pair://PEER_HOST:PORT), got 2");
    assertThat(Stores.problems("pair://a:1?key-file=/k&threshold=4"))
        .containsExactly("pair store parameters other than key-file need listen (they configure a member)");
    assertThatThrownBy(() -> PairUrl.parse("sqlite:/x.db")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("is not a pair URL");
  }
}
