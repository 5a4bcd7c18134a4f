import ArgumentParser

@main
struct Keyward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyward",
        abstract: "A self-hosted control plane for the logon credentials of Linux instances.",
        version: KeywardVersion.text,
        subcommands: [Serve.self, AgentCommand.self, ImageCommand.self, InstanceCommand.self, DoctorCommand.self, AdminCommand.self]
    )
}
