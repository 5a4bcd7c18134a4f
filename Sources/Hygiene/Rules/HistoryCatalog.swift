/// History files of shells and interactive tools, by file name (anywhere in the image) or by path suffix.
public enum HistoryCatalog {
    /// File name → the tool that writes it.
    public static let fileNames: [String: String] = [
        ".bash_history": "bash",
        ".zsh_history": "zsh",
        ".zhistory": "zsh",
        ".histfile": "zsh",
        ".sh_history": "sh/ksh",
        ".ksh_history": "ksh",
        ".ash_history": "ash",
        ".history": "csh/tcsh",
        ".python_history": "python",
        ".mysql_history": "mysql",
        ".psql_history": "psql",
        ".sqlite_history": "sqlite3",
        ".lesshst": "less",
        ".node_repl_history": "node",
        ".rediscli_history": "redis-cli",
        ".irb_history": "irb",
        ".pry_history": "pry",
        ".dbshell": "mongo",
        ".scala_history": "scala",
        ".Rhistory": "R",
        ".octave_hist": "octave",
        ".gdb_history": "gdb",
        ".viminfo": "vim",
        "fish_history": "fish",
    ]

    /// Path suffix → tool, for histories kept below a tool's own directory.
    public static let pathSuffixes: [String: String] = [
        "/.mongodb/mongosh/mongosh_repl_history": "mongosh",
        "/.julia/logs/repl_history.jl": "julia",
        "/.local/share/nvim/shada/main.shada": "neovim",
    ]

    /// The tool whose history `path` is, or nil.
    public static func tool(forPath path: String) -> String? {
        if let tool = fileNames[ImagePath.name(of: path)] { return tool }
        return pathSuffixes.first { path.hasSuffix($0.key) }?.value
    }
}
