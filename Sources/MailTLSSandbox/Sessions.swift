/// The sandbox serves devices with the pure server sessions; their types (policies, envelopes, captured messages)
/// are part of the sandbox's own interface.
@_exported import MailTLSSessions
