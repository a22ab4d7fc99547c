package dev.baton.cli;

import picocli.CommandLine.IVersionProvider;

final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = dev.baton.core.BatonVersion.current();
    return new String[] {"baton " + (v == null ? "(development build)" : v)};
  }
}
