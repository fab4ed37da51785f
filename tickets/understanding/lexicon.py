"""Aspect words shared by every domain: what a complaint is about, whichever product or service it names.

These lists are features of the learned model (a text hitting the product words scores ``aspect:product_quality``)
and the fallback evidence shown to agents. They hold general words — a broken thing, a rude person, a late parcel,
a refund — never a word taken from one labelled text.
"""

from __future__ import annotations

from tickets.enums import Category


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Words that place a text in commerce at all (buying, using, a shop, a product): a post naming none of these
#: and no aspect word is more likely a personal post than a complaint.
BUSINESS_WORDS = _words(
    """
    买 购买 购物 下单 收到 到货 商家 店家 卖家 店铺 商城 京东 淘宝 天猫 拼多多 美团 饿了么 当当 携程 客服 售后 产品
    商品 宝贝 质量 价格 性价比 用了 使用 好评 差评 评价 服务 酒店 房间 入住 外卖 快递 送餐 品牌 正品 退款 退货 订单
    套餐 会员 手机 电脑 平板 App app 软件 银行 公司 门店 专卖店 营业厅 4s店 物业 医院 学校 机构 平台 航班 机票 航空
    高铁 火车票 网约车 司机 滴滴 出租车 保险 理赔 信用卡 贷款 话费 流量 宽带 运营商 课程 老师 培训 装修 房东 中介
    游戏 账号 充值 商场 超市 餐厅 饭店 菜 点餐 景区 门票 电费 燃气 维修 安装 师傅 书 作者 衣服 裤子 鞋 水果 牛奶
    奶粉 洗发水 热水器 空调 冰箱 洗衣机 汽车 电池 充电器 吃了 吃完 喝了 喝完 穿了 涂了 洗了 戴了 用完 点的 订的 买的
    借款 还款 扣款 你们 贵公司 工作人员 游乐场 乐园 幼儿园 健身房 影院 门店 店里 柜台
    """
)

#: Verdicts on the thing bought as a whole, in any domain ("不值", "失望", "物超所值"): a review judging its item
#: without naming an aspect ("看了几页…没有再看下去的欲望", "很平淡，失望") is still about that item, where a personal
#: post judges people and days. A weak feature (``t:verdict``); the model learns how far it points to product quality.
VERDICT_WORDS = _words(
    """
    不值 值得 物超所值 物有所值 对得起 性价比 失望 后悔 上当 不推荐 推荐 别买 不要买 慎买 不会再买 回购 还会再买
    一般般 很一般 太一般 凑合 还行 不怎么样 不咋地 名不副实 名过其实 言过其实 徒有虚名 不如预期 没想象中 没有想象中
    和描述 与描述 跟描述 图片不符 不符 货不对板 买亏了 浪费钱 白花钱 不好用 好用 耐用 实用 鸡肋 平淡 无聊
    没意思 看不下去
    """
)

ASPECT_WORDS: dict[Category, tuple[str, ...]] = {
    Category.product_quality: _words(
        """
        质量 做工 坏了 坏的 故障 失灵 没反应 无反应 不工作 开不了机 开不开机 不开机 死机 闪退 卡顿 很卡 太卡 黑屏
        蓝屏 花屏 重启 坏点 漏光 屏幕 电池 续航 充电 发热 发烫 噪音 异响 声音大 漏水 漏电 不加热 不出热水 打不着火
        鼓包 冒烟 烧了 破损 破了 裂 划痕 瑕疵 次品 残次 假货 假的 山寨 翻新 二手 盗版 正品 不好用 难用 没效果 没用
        效果 性能 配置 系统 驱动 硬盘 键盘 触摸 散热 风扇 信号 摄像头 像素 内存 软件 不稳定 兼容 变质 异物 头发 虫子
        苍蝇 过期 发霉 霉 不新鲜 馊 臭 酸了 难吃 不好吃 味道 口味 口感 太咸 太淡 没味 太辣 太油 油腻 凉了 冷了 生的
        没熟 夹生 硬 分量 量少 份量 太少 个头 烂了 烂的 坏果 不甜 酸 涩 干巴 水分 腥 胀袋 结块 掉色 褪色 起球 开线
        线头 色差 面料 材质 尺码 偏大 偏小 不合身 掉毛 起皮 头皮屑 头痒 干枯 毛躁 刺鼻 气味 味儿 印刷 纸张 纸质 字迹
        错别字 缺页 错页 内容 排版 翻译 装订 设施 陈旧 老旧 房间 隔音 空调 热水 卫生 不干净 脏 床单 床 潮湿 霉味
        蟑螂 蚊子 早餐 网络 宽带 电梯 浴室 马桶 窗户 停电 停水 功能 不支持 不实用 实用 不方便 别扭 枯燥 无聊 幼稚
        没意思 难看 好看 好用 耐用 不耐用 清晰 模糊 一般般 很一般 太一般 不怎么样 不咋地 不咋样 粗糙 精致 作者 情节
        故事 文字 写得 内容空洞 看不下去 读不下去 用不了 不能用 垃圾货 样子货 残次品 设计 外观 手感 音质 画质 速度慢
        反应慢 不灵敏 容量 待机 耗电 信号差 网速慢 掉线
        断网 卡死 漏油 故障灯 抖动 生锈 掉漆 变形 开裂 脱胶 异味 发臭 质量问题 不合格 不达标 缩水 虚标
        """
    ),
    Category.service_attitude: _words(
        """
        态度 服务 服务员 前台 客服 店员 店家 商家 卖家 骂人 骂 凶 不理 不回复 不回 没人理 敷衍 推诿 推卸 踢皮球
        推来推去 冷漠 不耐烦 爱答不理 不礼貌 没礼貌 没素质 素质 不专业 傲慢 甩脸 怼 欺骗 忽悠 糊弄 不负责 不作为
        挂电话 威胁 辱骂 脸色 不搭理 态度差 服务差
        态度恶劣 爱理不理 不给解决 推脱 装傻 拖延 不处理 没人管 置之不理 互相推诿 打官腔
        """
    ),
    Category.logistics: _words(
        """
        配送 送餐 送到 送达 送货 送来 送的 送错 送过来 晚到 太慢 好慢 慢死 超时 迟到 等了 小时 分钟 快递 物流 发货
        到货 收到 骑手 小哥 快递员 配送员 送餐员 外卖员 包装 洒了 撒了 漏了 汤洒 压坏 压扁 磕碰 顺丰 运输 少送 漏送
        没送 少了 没给 没有给 餐具 筷子 送水 上门 安装 师傅
        没收到 未收到 丢件 丢失 派送 派件 签收 代签 驿站 催单 晚点 物流信息
        """
    ),
    Category.process: _words(
        """
        退款 退货 换货 退换 售后 保修 维修 返修 订单 下单 取消 支付 付款 扣款 扣费 扣钱 收费 乱收费 多收 价格 价钱
        贵 差价 降价 涨价 发票 优惠 优惠券 满减 红包 活动 会员 积分 预订 预定 入住 办理 退房 押金 赔偿 补偿 赠品
        利息 担保费 会员费 借款 贷款 还款 催收 账单 套餐 合同 续费 自动续费 到账 性价比 不值 划算 包邮 运费 邮费
        客服电话 投诉 申请 审核 规则 流程 手续 排队 年费 手续费 服务费 扣了 多扣 不退 退钱 没退 没到账
        乱扣费 退订 取消订单 不给退 拒绝退款 退款失败 理赔 拒赔 违约金 霸王条款 捆绑 自动扣款 注销 解约 退票 改签 价保
        """
    ),
    Category.suggestion: _words(
        """
        建议 希望 最好能 能不能 可不可以 改进 改善 改一下 优化 增加 加个 提个意见 提议 应该 要是能 如果能 就好了
        多加 改成
        """
    ),
    Category.enquiry: _words(
        """
        请问 咨询 问一下 问下 想问 怎么办 怎么 如何 是否 能否 多久 什么时候 哪里 有没有 吗? 吗？ 么? 呢? 呢？
        """
    ),
}


#: The product-quality aspect words that name a fault, not just a part or a property ("异响", "发霉" against "屏幕",
#: "味道"): named without negation they mark a complaint wherever the text's sentiment model hesitates ("买的新车开了
#: 一个月发动机就异响" reads as neutral). A feature of the type head (``t:defect``); each word is also in
#: :data:`ASPECT_WORDS` (a test checks).
DEFECT_WORDS = frozenset(
    _words(
        """
        坏了 坏的 故障 失灵 没反应 无反应 不工作 开不了机 开不开机 不开机 死机 闪退 卡顿 很卡 太卡 黑屏 蓝屏 花屏 坏点
        漏光 噪音 异响 声音大 漏水 漏电 不加热 不出热水 打不着火 鼓包 冒烟 烧了 破损 破了 裂 划痕 瑕疵 次品 残次 假货
        假的 山寨 翻新 盗版 不好用 难用 没效果 没用 不稳定 变质 异物 虫子 苍蝇 过期 发霉 霉 不新鲜 馊 臭 酸了 难吃
        不好吃 没味 没熟 夹生 量少 太少 烂了 烂的 坏果 不甜 胀袋 结块 掉色 褪色 起球 开线 线头 色差 不合身 掉毛 起皮
        刺鼻 错别字 缺页 错页 陈旧 老旧 不干净 脏 霉味 蟑螂 停电 停水 不支持 不实用 不方便 粗糙 用不了 不能用 垃圾货
        样子货 残次品 速度慢 反应慢 不灵敏 耗电 信号差 网速慢 掉线 断网 卡死 漏油 故障灯 抖动 生锈 掉漆 变形 开裂 脱胶
        异味 发臭 质量问题 不合格 不达标 缩水 虚标
        """
    )
)
