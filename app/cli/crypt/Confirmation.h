// cryptsetup's yesDialog: "\nWARNING!\n========\n<message>\n\nAre you sure? (Type 'yes' in
// capital letters): " on stdout, and only "YES" goes ahead. The question is skipped (the answer
// is yes) when stdin is not a terminal or in batch mode (-q).
#pragma once

#include "Console.h"

namespace cryptstack::cli {

class Confirmation
{
public:
    Confirmation(Console& console, bool batchMode) : m_console(console), m_batchMode(batchMode) {}

    // Whether the user agreed. On a refusal the failMessage (if any) goes to stderr as one line.
    bool ask(const QString& message, const QString& failMessage = {});

private:
    Console& m_console;
    bool m_batchMode;
};

} // namespace cryptstack::cli
