import ConstraintEngine
import Foundation
import Testing

/// What a user checks before adopting: one version everywhere, a changelog, a license, and
/// documents that only point at files inside the repository.
@Suite("release hygiene")
struct ReleaseHygieneTests {
  static let root = CLI.repositoryRoot

  static func text(_ path: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
  }

  @Test func theChangelogsNewestReleaseIsTheVersion() throws {
    let headings = try Self.text("CHANGELOG.md").split(separator: "\n")
      .filter { $0.hasPrefix("## [") }
    #expect(headings.first == "## [Unreleased]", "Keep a Changelog: Unreleased comes first")
    let release = try #require(headings.dropFirst().first)
    #expect(
      release.hasPrefix("## [\(EngineVersion.version)] - "),
      "newest release \(release), version \(EngineVersion.version)")
  }

  @Test func versionPrintsTheVersion() throws {
    let result = try CLI.run(["--version"])
    #expect(result.status == 0)
    #expect(
      result.stdout.hasPrefix(
        "constraint \(EngineVersion.version) (grammar \(EngineVersion.grammar))\n"),
      "\(result.stdout)")
  }

  @Test func theVersionScriptReadsTheSameVersion() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [Self.root.appendingPathComponent("scripts/version.sh").path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(String(decoding: data, as: UTF8.self) == EngineVersion.version + "\n")
  }

  @Test func theReadmeInstallsThisVersion() throws {
    let readme = try Self.text("README.md")
    let version = EngineVersion.version
    #expect(
      readme.contains("/releases/download/v\(version)/constraint-\(version)-linux-x86_64.tar.gz"))
    #expect(readme.contains("constraint-\(version)-linux-x86_64/constraint"))
    #expect(readme.contains("rev: v\(version)"))
  }

  @Test func theLicenseIsApache2() throws {
    let license = try Self.text("LICENSE")
    #expect(
      license.contains("Apache License\n                           Version 2.0, January 2004"))
    #expect(license.contains("END OF TERMS AND CONDITIONS"))
  }

  /// The Markdown documents a user reads.
  static var documents: [String] {
    let docs =
      (try? FileManager.default.contentsOfDirectory(
        atPath: root.appendingPathComponent("docs").path)) ?? []
    return ["README.md", "CHANGELOG.md", "Benchmarks/README.md", "Tests/Conformance/README.md"]
      + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
  }

  @Test func documentsLinkOnlyToFilesInTheRepository() throws {
    #expect(Self.documents.count > 10)
    let link = /\]\(([^)\s#]+)(#[^)\s]*)?\)/
    let rootPath = Self.root.standardizedFileURL.path
    for document in Self.documents {
      let text = try Self.text(document)
      let directory = Self.root.appendingPathComponent(document).deletingLastPathComponent()
      for match in text.matches(of: link) {
        let target = String(match.1)
        if target.hasPrefix("https://") || target.hasPrefix("http://")
          || target.hasPrefix("mailto:")
        {
          continue
        }
        let resolved = directory.appendingPathComponent(target).standardizedFileURL.path
        #expect(
          resolved.hasPrefix(rootPath + "/"), "\(document): \(target) leaves the repository")
        #expect(
          FileManager.default.fileExists(atPath: resolved), "\(document): \(target) is missing")
      }
    }
  }

  @Test func documentsNameNoFileOutsideTheRepository() throws {
    for document in Self.documents {
      let text = try Self.text(document)
      for outside in ["../shared", "shared/reference", "shared/testdata", "/work/"]
      where text.contains(outside) {
        Issue.record("\(document) names \(outside)")
      }
    }
  }
}
