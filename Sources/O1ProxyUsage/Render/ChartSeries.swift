import O1ProxyCore

/// The colour of each model in every chart: the most expensive get their own, the rest share
/// one "other models" series, so that a chart never needs more colours than a reader can tell apart.
struct Series {
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"]
    static let otherColour = "#9aa0a6"

    struct Entry {
        var label: String
        var colour: String
    }

    let entries: [Entry]
    private let index: [ModelName: Int]

    init(models: [ModelName]) {
        var entries: [Entry] = []
        var index: [ModelName: Int] = [:]
        for (rank, model) in models.enumerated() {
            if rank < Series.palette.count {
                index[model] = entries.count
                entries.append(Entry(label: Format.label(model), colour: Series.palette[rank]))
            } else {
                if entries.count == Series.palette.count {
                    entries.append(Entry(label: "other models", colour: Series.otherColour))
                }
                index[model] = Series.palette.count
            }
        }
        self.entries = entries
        self.index = index
    }

    func of(_ model: ModelName) -> Int {
        index[model] ?? 0
    }
}

/// The swatches under a chart, for the series it drew.
func legendHTML(_ entries: [Series.Entry]) -> String {
    "<ul class=\"legend\">" + entries.map {
        "<li><span class=\"swatch\" style=\"background:\($0.colour)\"></span>\(escapeHTML($0.label))</li>"
    }.joined() + "</ul>\n"
}
