import Backtest
import Indicators
import Testing

/// The rules language's bounds (issue 28, defect 12): texts that overflowed the stack of
/// `qflux backtest` (SIGSEGV) are refused with the line and column where a limit is crossed.
@Suite("Rules limits")
struct RuleLimitTests {
    /// The error `text` gets, or nil when it parses.
    private func error(_ text: String) -> RuleError? {
        do {
            _ = try RuleProgram.parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// Test: 10,000 nested '(' stop at the 65th, with its line and column.
    @Test("10,000 nested parentheses are refused at the 65th, with line and column")
    func parentheses() throws {
        let text =
            "# deep\ncall: " + String(repeating: "(", count: 10_000) + "close > 1"
            + String(repeating: ")", count: 10_000)
        let e = try #require(error(text))
        #expect(e.line == 2 && e.column == 7 + RuleLimits.maxNesting, "\(e)")
        #expect(e.message.contains("nested too deep") && e.message.contains("\(RuleLimits.maxNesting)"), "\(e)")
    }

    /// Test: 100,000 `not` are refused at the 65th.
    @Test("100,000 'not' are refused, with line and column")
    func manyNot() throws {
        let text = "call: " + String(repeating: "not ", count: 100_000) + "close > 1"
        let e = try #require(error(text))
        #expect(e.line == 1 && e.column == 7 + 4 * RuleLimits.maxNesting, "\(e)")
        #expect(e.message.contains("nested too deep"), "\(e)")
    }

    /// Test: 100,000 unary '-' are refused at the 65th.
    @Test("100,000 unary '-' are refused, with line and column")
    func manyMinus() throws {
        let text = "put: close > " + String(repeating: "-", count: 100_000) + "1"
        let e = try #require(error(text))
        #expect(e.line == 1 && e.column == 14 + RuleLimits.maxNesting, "\(e)")
        #expect(e.message.contains("nested too deep"), "\(e)")
    }

    /// Test: a 100,000-term '+' chain (a tree as deep as it is long, even though the parser
    /// loops) is refused at the operator that passes the depth limit.
    @Test("a 100,000-term '+' chain is refused at the operator past the depth limit")
    func plusChain() throws {
        let text = "call: close > 1" + String(repeating: "+1", count: 100_000)
        let e = try #require(error(text))
        // "call: close > 1" is 15 columns; the k-th '+' is at column 16 + 2 (k - 1), and k
        // operators make the sum k + 1 deep: the maxDepth-th '+' passes the limit.
        #expect(e.line == 1 && e.column == 16 + 2 * (RuleLimits.maxDepth - 1), "\(e)")
        #expect(e.message.contains("too deep"), "\(e)")
    }

    /// Test: a 100,000-term 'and' chain is refused the same way.
    @Test("a 100,000-term 'and' chain is refused at the operator past the depth limit")
    func andChain() throws {
        let text = "\n\nput: 1<2" + String(repeating: " and 1<2", count: 100_000)
        let e = try #require(error(text))
        #expect(e.line == 3, "\(e)")
        #expect(e.message.contains("too deep"), "\(e)")
    }

    /// Test: limits leave ordinary rules alone: 64 levels of parentheses, a 100-term chain,
    /// and 4,096 terms in a balanced tree parse and evaluate.
    @Test("rules at the limits parse and evaluate")
    func atLimits() throws {
        let nested =
            "call: " + String(repeating: "(", count: RuleLimits.maxNesting) + "close > 0"
            + String(repeating: ")", count: RuleLimits.maxNesting)
        #expect(error(nested) == nil)
        let chain = "call: close > 1" + String(repeating: " + 0", count: 100)
        #expect(error(chain) == nil)
        // 2^11 = 2,048 terms, 11 levels deep: (((c+c)+(c+c))+…); twice that and one more is over.
        var balanced = "close"
        for _ in 0..<11 { balanced = "(\(balanced) + \(balanced))" }
        #expect(error("call: \(balanced) > 0") == nil)
        let over = try #require(error("call: \(balanced) + \(balanced) > 0"))
        #expect(over.message.contains("more than \(RuleLimits.maxTerms) terms"), "\(over)")
        var g = CandleGenerator(seed: 5)
        let candles = g.candles(100, shape: .walk)
        let signals = try RuleStrategy(source: nested).signals(for: candles, window: 0)
        #expect(signals.allSatisfy { $0 == .call })
    }

    /// Test: rules text over 1 MiB is refused before it is split into tokens.
    @Test("rules text over 1 MiB is refused")
    func hugeText() throws {
        let e = try #require(error("call: close > 1\n" + String(repeating: "#", count: RuleLimits.maxSourceBytes)))
        #expect(e.message.contains("more than the \(RuleLimits.maxSourceBytes) allowed"), "\(e)")
    }
}
