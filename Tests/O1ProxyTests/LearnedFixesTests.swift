import Dispatch
import Foundation
import Glibc
import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private let day = 86_400.0
private let now = 1_764_060_000.0

/// A fresh state directory, removed afterwards.
private func withDirectory(_ body: (String) throws -> Void) rethrows {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("o1-proxy-state-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
}

@Suite struct LearnedFixesTests {
    @Test func formatIsOneLinePerModel() {
        var learned = LearnedFixes()
        learned.remember(.mapRole("system", to: "user"), for: "o9-future", now: now, lifetime: 7 * day)
        learned.remember(.drop("temperature"), for: "o9-future", now: now + 60, lifetime: 7 * day)
        learned.remember(.useResponses, for: "o7-sage", now: now + 120, lifetime: 7 * day)
        #expect(text(learned.rendered) == """
            o1-proxy learned fixes 1
            o9-future\t1764060000\t1764060060\trole:system->user drop:temperature
            o7-sage\t1764060120\t1764060120\tapi:responses

            """)
        #expect(LearnedFixes(parsing: learned.rendered) == learned)
    }

    @Test func lookupReadsOnlyItsModelsLine() {
        let file = bytes("""
            o1-proxy learned fixes 1
            o9-future\t1764060000\t1764060000\tstream:faked
            o9-future-mini\t1764060000\t1764060000\tdrop:top_p
            this line is not an entry
            o9\t1764060000\t1764060000\tdrop:seed

            """)
        #expect(LearnedFixes.fixes(for: "o9-future", in: file, now: now, lifetime: day) == [.fakeStream])
        #expect(LearnedFixes.fixes(for: "o9-future-mini", in: file, now: now, lifetime: day) == [.drop("top_p")])
        #expect(LearnedFixes.fixes(for: "o9", in: file, now: now, lifetime: day) == [.drop("seed")])
        #expect(LearnedFixes.fixes(for: "o9-fut", in: file, now: now, lifetime: day) == nil)
        #expect(LearnedFixes.fixes(for: "gpt-4o", in: file, now: now, lifetime: day) == nil)
    }

    /// Entries expire after their lifetime from when they were first learned, however often
    /// they were used: the upstream gets to say again whether a model still needs them.
    @Test func entriesExpireFromWhenTheyWereLearned() {
        var learned = LearnedFixes()
        learned.remember(.fakeStream, for: "o1", now: now, lifetime: 7 * day)
        learned.remember(.drop("seed"), for: "o1", now: now + 6 * day, lifetime: 7 * day)
        #expect(learned.entries[0].learnedAt == now)
        #expect(learned.entries[0].confirmedAt == now + 6 * day)
        #expect(LearnedFixes.fixes(for: "o1", in: learned.rendered, now: now + 7 * day - 1, lifetime: 7 * day) == [.fakeStream, .drop("seed")])
        #expect(LearnedFixes.fixes(for: "o1", in: learned.rendered, now: now + 7 * day, lifetime: 7 * day) == nil)
        // Learning again after expiry starts a new entry: the old fixes are being re-learned.
        learned.remember(.drop("seed"), for: "o1", now: now + 8 * day, lifetime: 7 * day)
        #expect(learned.entries.map(\.fixes) == [[.drop("seed")]])
        #expect(learned.entries[0].learnedAt == now + 8 * day)
    }

    /// A client inventing model names cannot grow the file without bound: the least recently
    /// confirmed entries go first.
    @Test func boundedByLeastRecentlyConfirmed() {
        var learned = LearnedFixes()
        for i in 0..<(LearnedFixes.maxEntries + 10) {
            learned.remember(.fakeStream, for: "model-\(i)", now: now + Double(i), lifetime: 365 * day)
        }
        #expect(learned.entries.count == LearnedFixes.maxEntries)
        #expect(learned.entries.first?.model == "model-10")
        for _ in 0..<100 { learned.remember(.drop("x\(learned.entries[0].fixes.count)"), for: "model-10", now: now + 5000, lifetime: 365 * day) }
        #expect(learned.entries.first { $0.model == "model-10" }?.fixes.count == LearnedFixes.maxFixesPerModel)
    }

    @Test func namesThatDoNotFitALineAreNotKept() {
        var learned = LearnedFixes()
        for model in ["a\tb", "a\nb", "", String(repeating: "m", count: 300), "bell\u{7}"] {
            learned.remember(.fakeStream, for: model, now: now, lifetime: day)
        }
        learned.remember(.drop("a b"), for: "ok", now: now, lifetime: day)
        #expect(learned.entries.isEmpty)
    }

    /// What is read back can only ever drop, rename max_tokens, map a role to user, fake a
    /// stream or choose the Responses API.
    @Test func tamperedFileAddsNothing() {
        let file = bytes("""
            o1-proxy learned fixes 1
            m\t1764060000\t1764060000\tdrop:messages rename:temperature->seed role:user->system drop:top_p bogus
            n\t1764060000\t1764060000\tdrop:model
            dup\t1764060000\t1764060000\tdrop:a
            dup\t1764060000\t1764060000\tdrop:b
            bad\tnot-a-time\t1764060000\tdrop:c

            """)
        let learned = LearnedFixes(parsing: file)
        #expect(learned?.entries.map(\.model) == ["m", "dup"])
        #expect(learned?.entries.first?.fixes == [.drop("top_p")])
        #expect(LearnedFixes(parsing: bytes("{\"some\":\"json\"}")) == nil)
        #expect(LearnedFixes(parsing: []) == LearnedFixes())
    }

    // MARK: the file

    @Test func secondExchangeGetsWhatTheFirstLearned() {
        withDirectory { dir in
            let first = LearnedFixesFile(directory: dir, lifetime: day)
            #expect(first.fixes(for: "o9-future") == [])
            first.remember(.mapRole("system", to: "user"), for: "o9-future")
            first.remember(.fakeStream, for: "o9-future")
            #expect(first.warning == nil)
            let second = LearnedFixesFile(directory: dir, lifetime: day)
            #expect(second.fixes(for: "o9-future") == [.mapRole("system", to: "user"), .fakeStream])
            #expect(second.warning == nil)
            var info = stat()
            #expect(stat(dir + "/learned.tsv", &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
        }
    }

    /// Writers serialize on the lock and re-read before they merge: nothing is lost, and no
    /// reader ever sees half a file.
    @Test func concurrentWritersLoseNothing() {
        withDirectory { dir in
            // Each writer opens the lock file itself, as separate processes do: flock excludes
            // separate open files, threads included.
            DispatchQueue.concurrentPerform(iterations: 16) { worker in
                if worker % 2 == 0 {
                    let file = LearnedFixesFile(directory: dir, lifetime: day)
                    for i in 0..<10 { file.remember(.drop("p\(i)"), for: "model-\(worker)") }
                    #expect(file.warning == nil)
                } else {
                    for _ in 0..<20 {
                        let text = (try? Data(contentsOf: URL(fileURLWithPath: dir + "/learned.tsv"))).map(Array.init) ?? []
                        #expect(text.isEmpty || LearnedFixes(parsing: text) != nil)
                    }
                }
            }
            let learned = LearnedFixesFile(directory: dir, lifetime: day).all()
            #expect(learned.entries.count == 8)
            #expect(learned.entries.allSatisfy { $0.fixes.count == 10 })
        }
    }

    @Test func corruptFileCostsOnlyTheMemory() throws {
        try withDirectory { dir in
            try Data("garbage\u{0}\u{1}".utf8).write(to: URL(fileURLWithPath: dir + "/learned.tsv"))
            let file = LearnedFixesFile(directory: dir, lifetime: day)
            #expect(file.fixes(for: "o1") == [])
            #expect(file.warning?.contains("not a learned-fixes file") == true)
            file.remember(.fakeStream, for: "o1")
            #expect(LearnedFixesFile(directory: dir, lifetime: day).fixes(for: "o1") == [.fakeStream])
        }
    }

    @Test func missingDirectoryCostsOnlyTheMemory() {
        let file = LearnedFixesFile(directory: "/nonexistent/o1-proxy-state", lifetime: day)
        #expect(file.fixes(for: "o1") == [])
        #expect(file.warning == nil, "a file not written yet is normal")
        file.remember(.fakeStream, for: "o1")
        #expect(file.warning?.contains("learned.lock") == true)
    }

    @Test func unwritableDirectoryCostsOnlyTheMemory() throws {
        guard getuid() != 0 else {
            // Root writes anywhere; the read-only case is proven end to end on a read-only mount.
            let file = LearnedFixesFile(directory: "/proc", lifetime: day)
            file.remember(.fakeStream, for: "o1")
            #expect(file.warning != nil)
            return
        }
        try withDirectory { dir in
            chmod(dir, 0o500)
            defer { chmod(dir, 0o700) }
            let file = LearnedFixesFile(directory: dir, lifetime: day)
            file.remember(.fakeStream, for: "o1")
            #expect(file.warning != nil)
        }
    }

    @Test func noDirectoryKeepsNothing() {
        let file = LearnedFixesFile(directory: nil, lifetime: day)
        file.remember(.fakeStream, for: "o1")
        #expect(file.fixes(for: "o1") == [])
        #expect(file.warning == nil)
    }
}
