# sources.mk — the stack's source list, for refkernel/net/Makefile and for the
# kernel's Makefile (include net/sources.mk; paths come out relative to the
# including Makefile). NET_SRCS are the protocol sources the kernel links;
# NET_HOST_SRCS add the hosted platform (malloc) for tests and fuzzing.
NET_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
NET_SRCS := $(addprefix $(NET_DIR)/, \
	util.c stack.c eth.c arp.c ip.c loop.c ip_frag.c icmp.c udp.c tcp.c tcp_in.c tcp_out.c tcp_sack.c sock.c)
NET_HOST_SRCS := $(NET_DIR)/platform_host.c
