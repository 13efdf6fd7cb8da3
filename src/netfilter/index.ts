// nlkit/netfilter: nftables (tables, chains, rules, sets and maps, applied as all-or-nothing
// batches) and conntrack (entries and their events), as typed objects.
