// Base of the cryptsetup verbs (luksFormat, open, luksDump …): the common options -v, -q and
// --batch-mode, one-line errors with cryptsetup's wording and exit codes, and with -v the closing
// "Command successful." / "Command failed with code -N (text)." lines (reference/luks.md §9.1).
#pragma once

#include "Command.h"
#include "Confirmation.h"
#include "PassphraseReader.h"

namespace cryptstack::cli {

// What one verb works with: the console, the invocation's engine, its options, the passphrase
// reader and the confirmation prompt.
class CryptContext
{
public:
    CryptContext(CliContext& cli, const ArgParser& arguments, bool stdinUsable = true);

    Console& console() { return m_cli.console(); }
    DeviceRegistry& registry() { return m_cli.registry(); }
    const ArgParser& arguments() const { return m_arguments; }
    bool verbose() const { return m_verbose; }
    bool batchMode() const { return m_batch; }
    PassphraseReader& passphrases() { return m_passphrases; }
    // yesDialog: skipped with -q or when stdin is not a terminal.
    bool confirm(const QString& message, const QString& failMessage = {});
    // log_verbose: a line on stdout with -v only.
    void verboseLine(const QString& text);

private:
    CliContext& m_cli;
    const ArgParser& m_arguments;
    bool m_verbose;
    bool m_batch;
    PassphraseReader m_passphrases;
    Confirmation m_confirmation;
};

// A failure whose message was already printed, or that cryptsetup reports by exit code only.
Status silentFailure(ErrorCode code);

class CryptCommand : public Command
{
public:
    bool takesStack() const final { return false; }
    QList<OptionSpec> options() const final;
    int run(CliContext& context, const ArgParser& arguments) final;

    // cryptsetup's text for an exit code, as the -v footer prints it.
    static QString exitCodeText(int exitCode);

protected:
    virtual QList<OptionSpec> verbOptions() const = 0;
    virtual Status execute(CryptContext& context) = 0;
    // Positional argument count check with the verb's usage in the message.
    Status expectPositionals(const ArgParser& arguments, int minimum, int maximum) const;
};

} // namespace cryptstack::cli
