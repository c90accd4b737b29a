// The device or file that holds a volume's header (the data image itself, or a detached header
// file). Byte-addressed reads and writes, fsync, cryptsetup's flock() on image files (shared to
// read, exclusive to change metadata), and growing a regular file at format time. Tests and the
// crash-consistency checks put any BlockDevice (a fault-injecting one) underneath instead.
#pragma once

#include "core/Result.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <span>
#include <utility>

namespace cryptstack {

class BlockDevice;

class HeaderDevice
{
public:
    enum class Access { ReadOnly, ReadWrite };

    // Opens an existing file or block device. Missing or unreadable: NoSuchDevice with
    // "Device <path> does not exist or access denied.". Takes a shared flock on regular files.
    static Result<std::unique_ptr<HeaderDevice>> open(const QString& path, Access access);
    // Creates the file (mode 0600) if it does not exist, then opens it read-write
    // (luksFormat --header, luksHeaderBackup).
    static Result<std::unique_ptr<HeaderDevice>> create(const QString& path);
    // Over a block device (no locking, cannot grow).
    static std::unique_ptr<HeaderDevice> over(std::shared_ptr<BlockDevice> device, const QString& name);
    ~HeaderDevice();

    const QString& path() const { return m_path; }
    uint64_t size() const;
    bool isRegularFile() const { return m_regularFile; }
    bool isWritable() const;
    // The filesystem block size of a regular file's filesystem (statvfs f_bsize, at least the
    // page size), for LUKS2's sector size choice; 512 for other devices.
    uint32_t optimalSectorSize() const;

    Status read(uint64_t offset, std::span<uint8_t> out) const;
    Status write(uint64_t offset, std::span<const uint8_t> data);
    Status sync();
    // Extends a regular file to at least bytes (never shrinks). Other devices: InvalidArgument
    // "Device <path> is too small." when smaller.
    Status growTo(uint64_t bytes);
    // The exclusive flock of one metadata update: taken by lockForUpdate(), back to the shared
    // lock when the last nested UpdateLock ends, so the volume object does not keep others out
    // between updates (cryptsetup holds its write lock only while it writes).
    class [[nodiscard]] UpdateLock
    {
    public:
        UpdateLock(UpdateLock&& other) noexcept : m_device(std::exchange(other.m_device, nullptr)) {}
        UpdateLock& operator=(UpdateLock&&) = delete;
        ~UpdateLock();

    private:
        friend class HeaderDevice;
        explicit UpdateLock(HeaderDevice* device) : m_device(device) {}
        HeaderDevice* m_device;
    };
    // Upgrades the shared flock to an exclusive one (no locking off regular files).
    Result<UpdateLock> lockForUpdate();

private:
    HeaderDevice() = default;
    QString m_path;
    int m_fd = -1;
    bool m_regularFile = false;
    bool m_writable = false;
    std::shared_ptr<BlockDevice> m_device;
    int m_updateDepth = 0;
};

} // namespace cryptstack
