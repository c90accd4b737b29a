#include "ExplanationPanel.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace cryptstack {

ExplanationPanel::ExplanationPanel(QWidget* parent)
    : QWidget(parent), m_text(new QTextBrowser(this)), m_report(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("explanationPanel"));
    m_text->setObjectName(QStringLiteral("explanation"));
    m_text->setAccessibleName(tr("What this configuration does"));
    m_text->setOpenLinks(false);
    m_report->setObjectName(QStringLiteral("watchdogReport"));
    m_report->setAccessibleName(tr("Stall watchdog report"));
    m_report->setReadOnly(true);
    m_report->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_report->setVisible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_text, 3);
    layout->addWidget(m_report, 2);
    m_text->setHtml(explain(PipelineConfig()));
}

void ExplanationPanel::setConfiguration(const PipelineConfig& config)
{
    if (m_config && *m_config == config)
        return;
    m_config = config;
    m_text->setHtml(explain(config));
}

void ExplanationPanel::setWatchdogReport(const QString& report)
{
    if (m_report->toPlainText() != report)
        m_report->setPlainText(report);
    m_report->setVisible(!report.isEmpty());
}

QString ExplanationPanel::text() const
{
    return m_text->toPlainText();
}

QString ExplanationPanel::explain(const PipelineConfig& c)
{
    QStringList parts;
    auto paragraph = [&parts](const QString& title, const QString& body) {
        parts += QStringLiteral("<p><b>%1</b> %2</p>").arg(title.toHtmlEscaped(), body.toHtmlEscaped());
    };
    if (c.teaching) {
        paragraph(
            tr("Teaching mode: the old design."),
            tr("Map encrypts the whole bio on the submitting thread and waits for bounce pages from the "
               "pool itself. On its own that works. Stacked on another crypt device with small pools it "
               "deadlocks: map holds the pages of its first piece, whose encrypted copy waits on the "
               "thread's bio list until map returns, while map waits for more pages that only that copy "
               "could give back. The watchdog notices that no bio completes, says who waits on what, "
               "and breaks the stall with I/O errors."));
    } else {
        paragraph(tr("Map never blocks."),
                  tr("crypt_map only clones the bio and queues work; it never waits for memory. A bio that a "
                     "device submits while it is handling another waits on the thread's bio list until the "
                     "handler returns, so with stacked devices a map that waited for pages held by such a "
                     "queued bio would wait forever. Everything that may wait happens on the queues' own "
                     "threads instead."));
    }
    if (c.noReadWorkqueue)
        paragraph(tr("Reads (no_read_workqueue):"),
                  tr("the lower read completes and is decrypted right there, in the completion context, "
                     "saving a thread hop at the cost of doing the work where the completion ran."));
    else
        paragraph(
            tr("Reads:"),
            tr("map submits the lower read into the caller's buffer; when it completes, a kcryptd worker "
               "decrypts it in place. Reads whose clone cannot be had without waiting go to kcryptd_io "
               "first."));
    if (c.noWriteWorkqueue) {
        paragraph(tr("Writes (no_write_workqueue):"),
                  tr("map encrypts the write itself and submits it at once: lower latency, but map may now "
                     "wait for pages, giving up the non-blocking map as the kernel does with this option."));
    } else if (c.submitFromCryptCpus) {
        paragraph(
            tr("Writes (submit_from_crypt_cpus):"),
            tr("a crypt worker that encrypted a write synchronously submits it itself; writes reach the "
               "lower device in the order the workers finish, not sorted."));
    } else {
        paragraph(
            tr("Writes are sorted."),
            tr("Crypt workers encrypt into bounce pages on several threads, so encryption finishes out "
               "of order. The dmcrypt_write thread collects finished writes in a tree ordered by sector "
               "and submits them in batches, so the lower device sees sequential writes stay "
               "sequential."));
    }
    if (c.sameCpuCrypt)
        paragraph(tr("same_cpu_crypt:"),
                  tr("each CPU has its own crypt queue and workers pinned to it; work stays on the CPU that "
                     "submitted it (better cache locality, no spreading of a single submitter's load)."));
    else
        paragraph(tr("Crypt workers:"),
                  tr("one shared queue, served by a worker per core (an unbound workqueue)."));
    if (c.async)
        paragraph(tr("Async cipher:"),
                  tr("conversions go to the cryptd driver, which answers \"in progress\" and completes them "
                     "later on its own thread, or backlogs them when its queue of 32 is full. A real async "
                     "cipher completes in a context where I/O may not be submitted, so the callback finishes "
                     "reads but sends writes back through the dmcrypt_write thread."));
    else
        paragraph(tr("Synchronous cipher:"), tr("the crypt workers encrypt and decrypt themselves; the async "
                                                "driver stays idle."));
    if (c.lowerDelayMs > 0)
        paragraph(tr("Lower delay:"), tr("the device below holds every bio for %1 ms, so bios pile up in the "
                                         "queues above it and the depth bars fill.")
                                          .arg(c.lowerDelayMs));
    if (c.trace)
        paragraph(tr("Trace:"), tr("every piece's stage timestamps are recorded for the slow-motion view."));
    return parts.join(QString());
}

} // namespace cryptstack
