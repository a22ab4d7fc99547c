package dev.baton.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void aQuoteKeepsShortTextAndCutsLongTextToAPrefixWithAnEllipsis() {
    assertThat(Text.quote("web")).isEqualTo("\"web\"");
    assertThat(Text.quote("x".repeat(64))).isEqualTo("\"" + "x".repeat(64) + "\"");
    assertThat(Text.quote("x".repeat(10_000_000))).isEqualTo("\"" + "x".repeat(64) + "…\"");
  }

  @Test
  void aPrefixNeverSplitsASurrogatePair() {
    String s = "x".repeat(63) + "\uD83D\uDE00" + "tail";
    assertThat(Text.prefix(s, 64)).isEqualTo("x".repeat(63) + "…");
  }

  @Test
  void controlCharactersAreEscapedSoTheyCannotStartALineOrDriveATerminal() {
    assertThat(Text.escapeControls("a\nb\rc\td\u0000e\u001b[31mf\u007fg\u0085h"))
        .isEqualTo("a\\nb\\rc\\td\\x00e\\x1b[31mf\\x7fg\\u0085h");
    assertThat(Text.escapeControls("plain – text ✓")).isEqualTo("plain – text ✓");
    assertThat(Text.hasControl("ok")).isFalse();
    assertThat(Text.firstControl("ok\u001b")).isEqualTo(2);
    assertThat(Text.quote("a\nb")).isEqualTo("\"a\\nb\"");
  }

  @Test
  void aBadNameOfTenMegabytesIsQuotedShort() {
    assertThatThrownBy(() -> NodeName.of("X".repeat(10_000_000)))
        .hasMessageStartingWith("invalid node name \"" + "X".repeat(64) + "…\"; expected")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
  }
}
