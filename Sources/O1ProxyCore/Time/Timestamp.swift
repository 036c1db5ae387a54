/// A calendar day, proleptic Gregorian, counted in days since 1970-01-01. Plain arithmetic
/// (Howard Hinnant's `days_from_civil`), so that dating 100,000 entries costs no calendar calls.
package struct Day: Hashable, Comparable, Sendable {
    package let daysSinceEpoch: Int

    package init(daysSinceEpoch: Int) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    package init(year: Int, month: Int, day: Int) {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        daysSinceEpoch = era * 146097 + dayOfEra - 719468
    }

    /// The day holding `seconds` since the epoch, `utcOffset` seconds east of UTC.
    package init(seconds: Int64, utcOffset: Int) {
        let local = seconds + Int64(utcOffset)
        daysSinceEpoch = Int(local >= 0 ? local / 86400 : (local - 86399) / 86400)
    }

    package var components: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `2026-11-25`
    package var iso: String {
        let (year, month, day) = components
        return "\(year)-\(twoDigits(month))-\(twoDigits(day))"
    }

    package static func < (lhs: Day, rhs: Day) -> Bool {
        lhs.daysSinceEpoch < rhs.daysSinceEpoch
    }
}

package func twoDigits(_ value: Int) -> String {
    value < 10 ? "0\(value)" : "\(value)"
}

/// The time of the proxy's log line (`time=`), written and read back in one place.
package enum Timestamp {
    /// `2026-11-25T08:52:59.123Z`: UTC with milliseconds, by plain arithmetic rather than a
    /// Foundation formatter, whose set-up would cost every exchange more than its log line.
    package static func iso8601(_ seconds: Double) -> String {
        iso8601(micros: Int64((seconds * 1_000_000).rounded()))
    }

    package static func iso8601(micros: Int64) -> String {
        let whole = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let day = Day(seconds: whole, utcOffset: 0)
        let (year, month, date) = day.components
        let secondOfDay = Int(whole - Int64(day.daysSinceEpoch) * 86400)
        let millis = Int((micros - whole * 1_000_000) / 1000)
        let year4 = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        let milli3 = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(year4)-\(twoDigits(month))-\(twoDigits(date))T\(twoDigits(secondOfDay / 3600)):"
            + "\(twoDigits(secondOfDay / 60 % 60)):\(twoDigits(secondOfDay % 60)).\(milli3)Z"
    }

    /// `iso8601`'s text, and other ISO 8601 times, as microseconds since the epoch. Also takes
    /// a numeric offset (`+01:00`, `+0100`) and no zone at all (read as UTC); nil for anything
    /// else.
    package static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= text.count else { return nil }
            var value = 0
            for byte in text[i..<i + width] {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            i += width
            return value
        }
        func separator(_ options: UInt8...) -> Bool {
            guard i < text.count, options.contains(text[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), separator(UInt8(ascii: "-")), let month = number(2), separator(UInt8(ascii: "-")),
              let day = number(2), separator(UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")),
              let hour = number(2), separator(UInt8(ascii: ":")), let minute = number(2), separator(UInt8(ascii: ":")),
              let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var micros: Int64 = 0
        if separator(UInt8(ascii: "."), UInt8(ascii: ",")) {
            var digits = 0
            while i < text.count, text[i] &- UInt8(ascii: "0") < 10 {
                if digits < 6 { micros = micros * 10 + Int64(text[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offset = 0
        if separator(UInt8(ascii: "Z"), UInt8(ascii: "z")) {
            offset = 0
        } else if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
            let sign = text[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let hours = number(2) else { return nil }
            _ = separator(UInt8(ascii: ":"))
            guard let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard i == text.count else { return nil }
        let days = Int64(Day(year: year, month: month, day: day).daysSinceEpoch)
        let seconds = days * 86400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return seconds * 1_000_000 + micros
    }
}
