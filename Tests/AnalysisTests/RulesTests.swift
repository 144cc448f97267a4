import Backtest
import Indicators
import Testing

/// The rules language: parsing, clear errors, and evaluation.
@Suite("Rules language")
struct RulesTests {
    /// Test: the brief's example parses and trades like the same conditions computed directly.
    @Test("the brief's example parses and trades like the same conditions computed directly")
    func example() throws {
        let text =
            "call: rsi(14) < 30 and close < bbands(20,2).lower ; put: rsi(14) > 70 and close > bbands(20,2).upper"
        let strategy = try RuleStrategy(source: text)
        #expect(strategy.program.specs.map(\.name) == ["rsi_14", "bbands_20_2"])
        var g = CandleGenerator(seed: 31)
        let candles = g.candles(3000, shape: .zigzag)
        let signals = strategy.signals(for: candles, window: 50)
        var rsi = RSI(period: 14)
        var bb = BollingerBands(period: 20, up: 2, down: 2)
        var expected = [TradeSignal?](repeating: nil, count: candles.count)
        for (i, c) in candles.enumerated() {
            let r = rsi.push(c)
            let b = bb.push(c)
            guard i >= 50, let r, let b else { continue }
            if r < 30 && c.close < b.lower {
                expected[i] = .call
            } else if r > 70 && c.close > b.upper {
                expected[i] = .put
            }
        }
        #expect(signals == expected)
        #expect(signals.contains { $0 != nil })
    }

    /// Test: parameters, arithmetic, not, parentheses, crossings, outputs.
    @Test("parameters, arithmetic, not, parentheses, crossings, outputs")
    func features() throws {
        let text = """
            # a comment
            param fast = 5
            call: ema($fast) crosses_above ema(20) and not (rsi(14) > 80)
            put: (ema($fast) crosses_below ema(20)) or close < bbands(20,2).middle - 2 * atr(14)
            """
        let p = try RuleProgram.parse(text)
        #expect(p.parameters["fast"] == 5)
        #expect(p.specs.map(\.name) == ["ema_5", "ema_20", "rsi_14", "bbands_20_2", "atr_14"])
        let q = try RuleProgram.parse(text, parameters: ["fast": 8])
        #expect(q.specs.first?.name == "ema_8")
        var g = CandleGenerator(seed: 32)
        let candles = g.candles(2000, shape: .walk)
        let s = RuleStrategy(program: p).signals(for: candles, window: 50)
        var fast = EMA(period: 5)
        var slow = EMA(period: 20)
        var prev: (Double, Double)?
        var crossings = 0
        for (i, c) in candles.enumerated() {
            let f = fast.push(c)
            let w = slow.push(c)
            if let f, let w {
                if let (pf, pw) = prev, pf <= pw && f > w, i >= 50 {
                    crossings += 1
                    if s[i] == nil { Issue.record("crossing at \(i) without a signal") }
                }
                prev = (f, w)
            }
        }
        #expect(crossings > 0)
        _ = try RuleProgram.parse(
            "call: macd(12,26,9).hist > 0 and stoch(14,3,3).k < 20 and supertrend(10,3).direction == 1")
    }

    /// Test: errors give line, column and what was expected.
    @Test(
        "errors give line, column and what was expected",
        arguments: [
            ("call rsi(14) < 30", "line 1, column 6: expected ':' after 'call', found 'rsi'"),
            (
                "call: rsi(14) <",
                "line 1, column 16: expected a number, a price (open, high, low, close, volume), an indicator such as rsi(14), or '(', found end of input"
            ),
            (
                "call: rsi(14)",
                "line 1, column 7: expected a condition after 'call:' (a comparison such as rsi(14) < 30), found a number"
            ),
            ("call: rsi(14) < 30\nput: foo(3) > 1", "line 2, column 6: unknown name 'foo'"),
            (
                "call: (rsi(14) < 30",
                "line 1, column 20: expected ')' to close the '(' at line 1, column 7, found end of input"
            ),
            (
                "call: rsi(14) < 30 30",
                "line 1, column 20: expected 'and', 'or', a comparison, ';' or a new line, found '30'"
            ),
            (
                "call: bbands(20,2).top < close",
                "line 1, column 20: bbands has no output 'top' (it has: upper, middle, lower)"
            ),
            ("call: rsi(14, 3) < 30", "line 1, column 7: rsi takes at most 1 parameter(s) (period), got 2"),
            ("call: rsi($n) < 30", "line 1, column 11: parameter $n has no value"),
            (
                "hello",
                "line 1, column 1: expected 'call:', 'put:' or 'param NAME = NUMBER' at the start of a statement, found 'hello'"
            ),
            ("call: close < 1 and 2", "line 1, column 17: 'and' joins conditions, but one side is a number"),
            ("call: close ? 1", "line 1, column 13: unexpected character '?'"),
            ("", "line 1, column 1: expected at least one 'call:' or 'put:' rule, found end of input"),
        ])
    func errors(_ text: String, _ expected: String) {
        do {
            _ = try RuleProgram.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }
}
