// libFuzzer target: the JSON line of `fulcrum-agent cert check`, and the words of its failures,
// as the panel reads them before uploading a certificate.
#include "app/deploy/certificate_pair.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArray text(reinterpret_cast<const char*>(data), qsizetype(size));
    (void)fulcrum::app::parseCertificateFacts(text);
    (void)fulcrum::app::explainCertificateCheckFailure(QString::fromUtf8(text), QStringLiteral("a.crt"), QStringLiteral("a.key"));
    (void)fulcrum::app::certificateFileStem(QString::fromUtf8(text));
    return 0;
}
