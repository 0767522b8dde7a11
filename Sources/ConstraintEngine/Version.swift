/// The engine's version and the grammar version it implements.
public enum EngineVersion {
  /// Semantic version of this package.
  public static let version = "0.1.0"
  /// The constraint expression grammar version (plus this engine's extensions).
  public static let grammar = "2.0"
}
