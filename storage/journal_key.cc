#include "storage/journal_key.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "storage/digest.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wj::storage {
namespace {

// Writes `text` to a new file at `path` with mode 0600 and syncs it and its directory, so
// that a key never exists on disk half written or readable by others. O_EXCL: two processes
// creating the key at once cannot both succeed.
Status WriteNewKeyFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Unavailable("journal key " + path + " appeared meanwhile");
    return Status::Unavailable("cannot create journal key " + path + ": " + std::strerror(errno));
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return Status::Unavailable("cannot write journal key " + path + ": " + std::strerror(errno));
  }
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Result<JournalKey> JournalKey::FromHex(std::string_view hex) {
  std::string bytes;
  if (hex.size() != 2 * kBytes || !wj::FromHex(hex, &bytes)) {
    return Status::InvalidArgument("a journal key is 64 hexadecimal characters");
  }
  JournalKey key;
  std::memcpy(key.bytes_.data(), bytes.data(), kBytes);
  return key;
}

Result<JournalKey> JournalKey::Generate() {
  JournalKey key;
  if (RAND_bytes(key.bytes_.data(), static_cast<int>(kBytes)) != 1) {
    return Status::Internal("the system's random source failed");
  }
  return key;
}

KeyedDigest JournalKey::Digest(std::string_view domain, std::string_view value) const {
  std::string message;
  message.reserve(domain.size() + 1 + value.size());
  message.append(domain).push_back('\0');
  message.append(value);
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), bytes_.data(), static_cast<int>(kBytes),
       reinterpret_cast<const std::uint8_t*>(message.data()), message.size(), mac, &length);
  KeyedDigest out{};
  std::memcpy(out.data(), mac, out.size());
  return out;
}

std::string JournalKey::Hex() const {
  return ToHex(std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size()));
}

std::string KeyFileBeside(const std::string& database_path) { return database_path + ".key"; }

Result<JournalKey> LoadJournalKey(const KeySource& source, bool create) {
  if (!source.hex.empty()) {
    auto key = JournalKey::FromHex(source.hex);
    if (!key.ok()) return Status::InvalidArgument("WABA_JOURNAL_KEY: " + key.status().message());
    return key;
  }
  std::ifstream in(source.file);
  if (!in) {
    if (errno != ENOENT) {
      return Status::Unavailable("cannot read journal key " + source.file + ": " +
                                 std::strerror(errno));
    }
    if (!create) return Status::NotFound("journal key " + source.file + " does not exist");
    auto key = JournalKey::Generate();
    if (!key.ok()) return key.status();
    Status written = WriteNewKeyFile(source.file, key->Hex() + "\n");
    if (!written.ok()) {
      // Another process created it first: use theirs.
      if (::access(source.file.c_str(), F_OK) == 0) return LoadJournalKey(source, false);
      return written;
    }
    return key;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string hex = text.str();
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) {
    hex.pop_back();
  }
  auto key = JournalKey::FromHex(hex);
  if (!key.ok()) return Status::InvalidArgument(source.file + ": " + key.status().message());
  return key;
}

Status CopyJournalKey(const KeySource& source, const std::string& to) {
  auto key = LoadJournalKey(source, /*create=*/false);
  if (!key.ok()) return key.status();
  if (::access(to.c_str(), F_OK) == 0) return Status::FailedPrecondition(to + " already exists");
  return WriteNewKeyFile(to, key->Hex() + "\n");
}

}  // namespace wj::storage
