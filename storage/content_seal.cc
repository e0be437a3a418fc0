#include "storage/content_seal.h"

#include <algorithm>
#include <cstring>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "storage/customer_data.h"

namespace wj::storage {
namespace {

std::string_view Bytes(const auto& digest) {
  return std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size());
}

Sha256Digest LeafHash(const ErasedLeaf& leaf) {
  Sha256Hasher h;
  h.Update(std::string_view("\x00", 1));
  h.UpdateField(std::string_view(leaf.delivery ? "delivery" : "event"));
  h.UpdateField(leaf.id);
  h.UpdateField(Bytes(leaf.commit));
  return h.Finish();
}

Sha256Digest NodeHash(const Sha256Digest& left, const Sha256Digest& right) {
  Sha256Hasher h;
  h.Update(std::string_view("\x01", 1));
  h.Update(Bytes(left));
  h.Update(Bytes(right));
  return h.Finish();
}

Sha256Digest Root(const std::vector<ErasedLeaf>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return LeafHash(leaves[begin]);
  std::size_t split = 1;
  while (split * 2 < end - begin) split *= 2;
  return NodeHash(Root(leaves, begin, begin + split), Root(leaves, begin + split, end));
}

}  // namespace

std::string DedupDigest(const JournalKey& key, const EventRecord& event) {
  const KeyedDigest dedup = key.Digest(kDedupDomain, event.dedup_key);
  std::string out;
  if (event.wamid) {
    const KeyedDigest wamid = key.Digest(kWamidDomain, *event.wamid);
    out.assign(Bytes(wamid));
    out.append(Bytes(dedup).substr(0, 8));
  } else {
    out.assign(Bytes(dedup));
  }
  return out;
}

DigestRange WamidRange(const JournalKey& key, std::string_view wamid) {
  const KeyedDigest d = key.Digest(kWamidDomain, wamid);
  DigestRange r{std::string(Bytes(d)), std::string(Bytes(d))};
  // The first 16-byte string after the digest: every key starting with it sorts before.
  int i = static_cast<int>(r.last.size()) - 1;
  while (i >= 0 && static_cast<unsigned char>(r.last[static_cast<std::size_t>(i)]) == 0xff) {
    r.last[static_cast<std::size_t>(i)] = 0;
    --i;
  }
  if (i < 0) {
    r.last.assign(17, '\xff');  // all 0xff: above every digest
  } else {
    r.last[static_cast<std::size_t>(i)] =
        static_cast<char>(static_cast<unsigned char>(r.last[static_cast<std::size_t>(i)]) + 1);
  }
  return r;
}

Salt EventSalt(const Salt& delivery_salt, std::int64_t index) {
  char message[13] = {'e', 'v', 'e', 'n', 't'};
  for (int i = 0; i < 8; ++i) message[5 + i] = static_cast<char>((index >> (56 - 8 * i)) & 0xff);
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), delivery_salt.data(), static_cast<int>(delivery_salt.size()),
       reinterpret_cast<const std::uint8_t*>(message), sizeof message, mac, &length);
  Salt salt{};
  std::memcpy(salt.data(), mac, salt.size());
  return salt;
}

Sha256Digest ValueCommit(const Salt& salt, std::string_view value) {
  Sha256Hasher h;
  h.Update(Bytes(salt));
  h.Update(value);
  return h.Finish();
}

Sha256Digest DeliveryCommit(const Salt& salt, std::string_view signature, std::string_view body) {
  Sha256Hasher h;
  h.Update(Bytes(salt));
  h.UpdateField(signature);
  h.UpdateField(body);
  return h.Finish();
}

Result<SealedDelivery> Seal(const JournalKey& key, const DeliveryRecord& delivery) {
  SealedDelivery out;
  if (RAND_bytes(out.salt.data(), static_cast<int>(out.salt.size())) != 1) {
    return Status::Internal("the system's random source failed");
  }
  out.content_commit = DeliveryCommit(out.salt, delivery.signature, delivery.body);
  out.events.reserve(delivery.events.size());
  for (std::size_t i = 0; i < delivery.events.size(); ++i) {
    const EventRecord& e = delivery.events[i];
    SealedEvent s;
    s.dedup = DedupDigest(key, e);
    if (e.target_wamid) s.target = key.Digest(kWamidDomain, *e.target_wamid);
    for (const std::string& customer : e.customers) {
      // Digested as the readers look them up: digits only.
      const std::string number = NormalizeNumber(customer);
      if (number.empty()) continue;
      KeyedDigest d = key.Digest(kCustomerDomain, number);
      if (std::find(s.customers.begin(), s.customers.end(), d) == s.customers.end()) {
        s.customers.push_back(d);
      }
    }
    s.salt = EventSalt(out.salt, static_cast<std::int64_t>(i));
    s.content_commit = ValueCommit(s.salt, e.value);
    out.events.push_back(std::move(s));
  }
  return out;
}

Sha256Digest ErasureRoot(const std::vector<ErasedLeaf>& leaves) {
  if (leaves.empty()) return Sha256("");
  return Root(leaves, 0, leaves.size());
}

}  // namespace wj::storage
