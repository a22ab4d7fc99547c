package dev.baton.core;

/** The version of Baton running here: the Implementation-Version of Baton's jars (Maven puts it in each). */
public final class BatonVersion {
  private static final String CURRENT = BatonVersion.class.getPackage().getImplementationVersion();

  private BatonVersion() {}

  /** The version, such as {@code 0.1.0}; null in a development build (classes, not jars). */
  public static String current() {
    return CURRENT;
  }
}
