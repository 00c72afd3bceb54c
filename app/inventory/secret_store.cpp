#include "app/inventory/secret_store.h"

#include <qt6keychain/keychain.h>

#include <QPointer>

namespace fulcrum::app {
namespace {

QString keyFor(const QString& hostId) { return QStringLiteral("host/") + hostId + QStringLiteral("/password"); }

template <class JobT>
JobT* makeJob(const QString& hostId) {
    auto* job = new JobT(QString::fromLatin1(SecretStore::kService));
    job->setAutoDelete(true);
    job->setInsecureFallback(false);  // never a plain file
    job->setKey(keyFor(hostId));
    return job;
}

QString describe(QKeychain::Job* job) {
    return QStringLiteral("The system keychain said: %1").arg(job->errorString());
}

}  // namespace

void SecretStore::storePassword(const QString& hostId, const QString& password, QObject* context,
                                std::function<void(const QString&)> done) {
    auto* job = makeJob<QKeychain::WritePasswordJob>(hostId);
    job->setTextData(password);
    QObject::connect(job, &QKeychain::Job::finished, context, [job, done](QKeychain::Job*) {
        done(job->error() == QKeychain::NoError ? QString() : describe(job));
    });
    job->start();
}

void SecretStore::readPassword(const QString& hostId, QObject* context,
                               std::function<void(std::optional<QString>, const QString&)> done) {
    auto* job = makeJob<QKeychain::ReadPasswordJob>(hostId);
    QObject::connect(job, &QKeychain::Job::finished, context, [job, done](QKeychain::Job*) {
        if (job->error() == QKeychain::NoError) {
            done(job->textData(), QString());
        } else if (job->error() == QKeychain::EntryNotFound) {
            done(std::nullopt, QString());
        } else {
            done(std::nullopt, describe(job));
        }
    });
    job->start();
}

void SecretStore::forgetPassword(const QString& hostId, QObject* context, std::function<void(const QString&)> done) {
    auto* job = makeJob<QKeychain::DeletePasswordJob>(hostId);
    QObject::connect(job, &QKeychain::Job::finished, context, [job, done](QKeychain::Job*) {
        const bool ok = job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound;
        done(ok ? QString() : describe(job));
    });
    job->start();
}

}  // namespace fulcrum::app
